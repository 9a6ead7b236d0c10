// Stand-in for NeuroSim's C++ core, written for NoisyNeuroSIM's tests.
// Same interface as the real one (argv, Param.cpp assignments, output format);
// the numbers are simple functions of the settings, not a hardware model.
#ifndef STANDIN_PARAM_H_
#define STANDIN_PARAM_H_

class Param {
public:
	Param();
	int operationmode, memcelltype, accesstype, transistortype, deviceroadmap;
	bool globalBusType, globalBufferType, tileBufferType, peBufferType, chipActivation, reLu, novelMapping;
	bool SARADC, currentMode, pipeline, validated, synchronous, Activationtype;
	int globalBufferCoreSizeRow, globalBufferCoreSizeCol, tileBufferCoreSizeRow, tileBufferCoreSizeCol;
	int speedUpDegree, temp, technode;
	double clkFreq, inputtoggle, outputtoggle;
	int numRowSubArray, numColSubArray, numColMuxed, levelOutput, cellBit;
	double resistanceOn, resistanceOff, readPulseWidth, accessVoltage, writeVoltage;
	double featuresize;
	int synapseBit, numBitInput, numRowParallel;
};

#endif
