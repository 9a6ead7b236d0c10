// Stand-in Param.cpp: every knob is a plain assignment in the constructor,
// with the same traps as the real file (comments after values, a C
// expression, names assigned again inside conditions).
#include "Param.h"

Param::Param() {
	/*** user defined design options ***/
	operationmode = 2;     		// 1: conventionalSequential
								// 2: conventionalParallel
	memcelltype = 1;        	// 1: SRAM, 2: RRAM, 3: FeFET
	accesstype = 1;         	// 1: CMOS access
	transistortype = 1;     	// 1: conventional
	deviceroadmap = 2;      	// 1: HP, 2: LSTP
	globalBusType = false;		// false: X-Y bus
	globalBufferType = false;    // false: register file
	globalBufferCoreSizeRow = 128;
	globalBufferCoreSizeCol = 128;
	tileBufferType = false;      // false: register file
	tileBufferCoreSizeRow = 32;
	tileBufferCoreSizeCol = 32;
	peBufferType = false;        // false: register file
	chipActivation = true;      // true: activation outside tile
	reLu = true;                // true: reLu
	novelMapping = true;        // true: novel mapping
	SARADC = false;              // false: MLSA
	currentMode = true;         // true: CSA
	pipeline = true;            // false: layer-by-layer
	speedUpDegree = 8;          // speed-up ratio
	validated = true;			// calibration factors
	synchronous = true;			// clock from sensing delay
	clkFreq = 1e9;                      // Clock frequency
	temp = 300;                         // Temperature (K)
	technode = 22;					    // Technology node (nm)
	Activationtype=true; // true: SRAM
	inputtoggle = 0.18; // toggling rate
	outputtoggle = 0.5; // output toggling
	switch (technode) {
		case 22:	featuresize = 40e-9; break;
		default:	featuresize = technode * 2e-9; break;
	}
	numRowSubArray = 128;               // # of rows in single subArray
	numColSubArray = 128;               // # of columns in single subArray
	numColMuxed = 8;                    // How many columns share 1 ADC
	if ((operationmode == 1) && (memcelltype == 1))
	{
	numColMuxed = 1;
	}
	levelOutput = 32;                   // # of levels of the sense amp output
	cellBit = 1;                        // precision of memory device
	resistanceOn = 100e3; // 6e3;       // Ron
	resistanceOff = 100e3*17;// 6e3*17; // Roff
	readPulseWidth = 10e-9;             // read pulse width in sec
	accessVoltage = 1.1;                // Gate voltage
	writeVoltage = 2;					// write voltage
	if (memcelltype == 1) {
		cellBit = 1;             // force cellBit = 1 for all SRAM cases
	}
}
