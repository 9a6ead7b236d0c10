// Stand-in main: NeuroSim's argv and output format, a toy cost model.
//   main NETWORK.csv wl_weight wl_activate subArray parallelRead w1 in1 ... wN inN
// Failure modes mirror the real core, plus two of the stand-in's own so that
// tests can reach them with settings our validation accepts:
//   temp > 380           -> exit 255 with no output at all
//   clkFreq < 1e3        -> hangs (for time-limit tests)
// Like the real core, it sizes each layer from the network file: where the file
// has more output channels than the weight trace has columns, it reads memory it
// never filled, and its numbers change from run to run (sometimes NaN).
// STANDIN_NONDETERMINISTIC=1 makes every run differ (for the reproducibility guard).
#include <cmath>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <random>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>
#include <unistd.h>
#include "Param.h"
#include "Chip.h"

using namespace std;

static vector<vector<double> > ReadCsv(const string& path, bool& ok) {
	vector<vector<double> > rows;
	ifstream in(path.c_str());
	ok = in.good();
	string line;
	while (getline(in, line)) {
		vector<double> row;
		stringstream ss(line);
		string cell;
		while (getline(ss, cell, ',')) row.push_back(atof(cell.c_str()));
		if (!row.empty()) rows.push_back(row);
	}
	return rows;
}

int main(int argc, char* argv[]) {
	Param* param = new Param();
	const int nodes[] = {130, 90, 65, 45, 32, 22, 14, 10, 7, 5, 3, 2, 1};
	bool supported = false;
	for (int i = 0; i < 13; i++) supported = supported || (nodes[i] == param->technode);
	if (!supported || param->temp > 380) exit(255);
	if (param->clkFreq < 1e3) { while (true) sleep(1); }
	if (argc < 6) throw logic_error("too few arguments");
	param->synapseBit = atoi(argv[2]);
	param->numBitInput = atoi(argv[3]);
	param->numRowSubArray = atoi(argv[4]);
	param->numRowParallel = atoi(argv[5]);
	if (param->cellBit > param->synapseBit) {
		cout << "ERROR!: Memory precision is even higher than synapse precision, please modify 'cellBit' in Param.cpp!" << endl;
		param->cellBit = param->synapseBit;
	}
	if (param->memcelltype == 2 && param->technode <= 14) {
		cout << "ERROR!: RRAM-CIM is not supported beyond 22 nm!" << endl;
		exit(255);
	}
	bool ok;
	vector<vector<double> > net = ReadCsv(argv[1], ok);
	int layers = net.size();
	if (!ok || layers == 0) { cerr << "Error: the network file cannot be opened!" << endl; exit(1); }
	if (argc < 6 + 2 * layers) throw logic_error("trace files missing");

	cout << "------------------------------ FloorPlan --------------------------------" << endl << endl;
	cout << "Desired Conventional Mapped Tile Storage Size: 512x512" << endl;
	cout << "Desired Conventional PE Storage Size: 256x256" << endl;
	cout << "Desired Novel Mapped Tile Storage Size: 9x512x512" << endl;
	cout << "User-defined SubArray Size: " << param->numRowSubArray << "x" << param->numColSubArray << endl << endl;
	if (param->numRowSubArray > 512) {
		cout << "ERROR: SubArray Size is too large, which break the chip hierarchey, please decrease the SubArray size! " << endl;
		raise(SIGSEGV);
	}
	vector<LayerCost> cost(layers);
	double totalCells = 0;
	for (int l = 0; l < layers; l++) {
		double rows = net[l][2] * net[l][3] * net[l][4];
		double cols = net[l][5];
		totalCells += rows * cols * param->synapseBit;
		vector<vector<double> > w = ReadCsv(argv[6 + 2 * l], ok);
		if (!ok) { cerr << "Error: the fileone cannot be opened!" << endl; exit(1); }
		vector<vector<double> > in = ReadCsv(argv[7 + 2 * l], ok);
		if (!ok) { cerr << "Error: the input file cannot be opened!" << endl; exit(1); }
		double weightSum = 0, ones = 0, bits = 0;
		for (size_t i = 0; i < w.size(); i++) for (size_t j = 0; j < w[i].size(); j++) weightSum += fabs(w[i][j]);
		if (!w.empty() && cols > w[0].size()) {
			unsigned garbage = random_device()();
			weightSum += (garbage % 3 == 0) ? NAN : (double) (garbage % 100000);
		}
		if (getenv("STANDIN_NONDETERMINISTIC")) weightSum += (double) (random_device()() % 100000);
		for (size_t i = 0; i < in.size(); i++) for (size_t j = 0; j < in[i].size(); j++) { ones += in[i][j]; bits += 1; }
		cost[l] = EstimateLayer(*param, rows, cols, bits > 0 ? ones / bits : 0, weightSum);
	}
	cout << "----------------- # of tile used for each layer -----------------" << endl;
	for (int l = 0; l < layers; l++) cout << "layer" << l + 1 << ": " << cost[l].tiles << endl;
	cout << endl << "----------------- Speed-up of each layer ------------------" << endl;
	for (int l = 0; l < layers; l++) cout << "layer" << l + 1 << ": " << cost[l].speedUp << endl;
	cout << endl << "----------------- Utilization of each layer ------------------" << endl;
	double util = 0;
	for (int l = 0; l < layers; l++) { cout << "layer" << l + 1 << ": " << cost[l].utilization << endl; util += cost[l].utilization; }
	cout << "Memory Utilization of Whole Chip: " << 100.0 * util / layers << " % " << endl << endl;
	cout << "---------------------------- FloorPlan Done ------------------------------" << endl << endl << endl << endl;

	double clk = 1.0 / param->clkFreq * (1.0 + 0.5 * log(param->levelOutput) / log(2.0) / 5.0);
	if (param->memcelltype == 2 && param->operationmode == 1) clk = INFINITY;
	if (param->synchronous) cout << "clkPeriod: " << clk << endl;
	cout << "-------------------------------------- Hardware Performance --------------------------------------" << endl;
	const char* adc = "----------- ADC (or S/As and precharger for SRAM) ";
	const char* acc = "----------- Accumulation Circuits (subarray level: adders, shiftAdds; PE/Tile/Global level: accumulation units) ";
	const char* oth = "----------- Other Peripheries (e.g. decoders, mux, switchmatrix, buffers, IC, pooling and activation units) ";
	const char* star = "************************ Breakdown of Latency and Dynamic Energy *************************";
	LayerCost sum = {0};
	double maxLatency = 0;
	for (int l = 0; l < layers; l++) {
		LayerCost& c = cost[l];
		cout << "-------------------- Estimation of Layer " << l + 1 << " ----------------------" << endl;
		cout << "layer" << l + 1 << "'s readLatency is: " << c.latency << "ns" << endl;
		cout << "layer" << l + 1 << "'s readDynamicEnergy is: " << c.energy << "pJ" << endl;
		cout << "layer" << l + 1 << "'s leakagePower is: " << c.leakPower << "uW" << endl;
		cout << "layer" << l + 1 << "'s leakageEnergy is: " << c.leakEnergy << "pJ" << endl;
		cout << "layer" << l + 1 << "'s buffer latency is: " << c.bufLatency << "ns" << endl;
		cout << "layer" << l + 1 << "'s buffer readDynamicEnergy is: " << c.bufEnergy << "pJ" << endl;
		cout << "layer" << l + 1 << "'s ic latency is: " << c.icLatency << "ns" << endl;
		cout << "layer" << l + 1 << "'s ic readDynamicEnergy is: " << c.icEnergy << "pJ" << endl << endl;
		cout << star << endl << endl;
		cout << adc << "readLatency is : " << c.adcLatency << "ns" << endl;
		cout << acc << "readLatency is : " << c.accLatency << "ns" << endl;
		cout << oth << "readLatency is : " << c.otherLatency << "ns" << endl;
		cout << adc << "readDynamicEnergy is : " << c.adcEnergy << "pJ" << endl;
		cout << acc << "readDynamicEnergy is : " << c.accEnergy << "pJ" << endl;
		cout << oth << "readDynamicEnergy is : " << c.otherEnergy << "pJ" << endl << endl;
		cout << star << endl << endl;
		sum.latency += c.latency; sum.energy += c.energy; sum.leakPower += c.leakPower; sum.leakEnergy += c.leakEnergy;
		sum.bufLatency += c.bufLatency; sum.bufEnergy += c.bufEnergy; sum.icLatency += c.icLatency; sum.icEnergy += c.icEnergy;
		sum.adcLatency += c.adcLatency; sum.accLatency += c.accLatency; sum.otherLatency += c.otherLatency;
		sum.adcEnergy += c.adcEnergy; sum.accEnergy += c.accEnergy; sum.otherEnergy += c.otherEnergy;
		if (c.latency > maxLatency || std::isnan(c.latency)) maxLatency = c.latency;
	}
	double adcArea = AdcArea(*param) * layers;
	double arrayArea = ArrayArea(*param, totalCells);
	double icArea = 0.4 * arrayArea + 1000.0;
	double accArea = 0.2 * arrayArea + 500.0;
	double otherArea = 0.15 * arrayArea + 800.0;
	double chipArea = adcArea + arrayArea + icArea + accArea + otherArea;
	double latency = param->pipeline ? maxLatency : sum.latency;
	cout << "------------------------------ Summary --------------------------------" << endl << endl;
	cout << "ChipArea : " << chipArea << "um^2" << endl;
	cout << "Chip total CIM array : " << arrayArea << "um^2" << endl;
	cout << "Total IC Area on chip (Global and Tile/PE local): " << icArea << "um^2" << endl;
	cout << "Total ADC (or S/As and precharger for SRAM) Area on chip : " << adcArea << "um^2" << endl;
	cout << "Total Accumulation Circuits (subarray level: adders, shiftAdds; PE/Tile/Global level: accumulation units) on chip : " << accArea << "um^2" << endl;
	cout << "Other Peripheries (e.g. decoders, mux, switchmatrix, buffers, pooling and activation units) : " << otherArea << "um^2" << endl << endl;
	cout << "Chip clock period is: " << clk * 1e9 << "ns" << endl;
	if (param->pipeline) {
		cout << "Chip pipeline-system-clock-cycle (per image) is: " << latency << "ns" << endl;
		cout << "Chip pipeline-system readDynamicEnergy (per image) is: " << sum.energy << "pJ" << endl;
		cout << "Chip pipeline-system leakage Energy (per image) is: " << sum.leakEnergy << "pJ" << endl;
		cout << "Chip pipeline-system leakage Power (per image) is: " << sum.leakPower << "uW" << endl;
		cout << "Chip pipeline-system buffer readLatency (per image) is: " << sum.bufLatency << "ns" << endl;
		cout << "Chip pipeline-system buffer readDynamicEnergy (per image) is: " << sum.bufEnergy << "pJ" << endl;
		cout << "Chip pipeline-system ic readLatency (per image) is: " << sum.icLatency << "ns" << endl;
		cout << "Chip pipeline-system ic readDynamicEnergy (per image) is: " << sum.icEnergy << "pJ" << endl << endl;
	} else {
		cout << "Chip layer-by-layer readLatency (per image) is: " << latency << "ns" << endl;
		cout << "Chip total readDynamicEnergy is: " << sum.energy << "pJ" << endl;
		cout << "Chip total leakage Energy is: " << sum.leakEnergy << "pJ" << endl;
		cout << "Chip total leakage Power is: " << sum.leakPower << "uW" << endl;
		cout << "Chip buffer readLatency is: " << sum.bufLatency << "ns" << endl;
		cout << "Chip buffer readDynamicEnergy is: " << sum.bufEnergy << "pJ" << endl;
		cout << "Chip ic readLatency is: " << sum.icLatency << "ns" << endl;
		cout << "Chip ic readDynamicEnergy is: " << sum.icEnergy << "pJ" << endl << endl;
	}
	cout << star << endl << endl;
	cout << adc << "readLatency is : " << sum.adcLatency << "ns" << endl;
	cout << acc << "readLatency is : " << sum.accLatency << "ns" << endl;
	cout << oth << "readLatency is : " << sum.otherLatency << "ns" << endl;
	cout << adc << "readDynamicEnergy is : " << sum.adcEnergy << "pJ" << endl;
	cout << acc << "readDynamicEnergy is : " << sum.accEnergy << "pJ" << endl;
	cout << oth << "readDynamicEnergy is : " << sum.otherEnergy << "pJ" << endl << endl;
	cout << star << endl << endl << endl;
	double ops = 2.0 * totalCells / param->synapseBit * 1e3;
	double seconds = latency * 1e-9;
	double joules = (sum.energy + sum.leakEnergy) * 1e-12;
	const char* label = param->pipeline ? "(Pipelined Process)" : "(Layer-by-Layer Process)";
	cout << "----------------------------- Performance -------------------------------" << endl;
	cout << "Energy Efficiency TOPS/W " << label << ": " << ops / joules * 1e-12 << endl;
	cout << "Throughput TOPS " << label << ": " << ops / seconds * 1e-12 << endl;
	cout << "Throughput FPS " << label << ": " << 1.0 / seconds << endl;
	cout << "Compute efficiency TOPS/mm^2 " << label << ": " << ops / seconds * 1e-12 / (chipArea * 1e-6) << endl;
	cout << "-------------------------------------- Hardware Performance Done --------------------------------------" << endl << endl;
	cout << "------------------------------ Simulation Performance --------------------------------" << endl;
	cout << "Total Run-time of NeuroSim: 0 seconds" << endl;
	cout << "------------------------------ Simulation Performance --------------------------------" << endl;
	return 0;
}
