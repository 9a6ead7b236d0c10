// Stand-in chip model: deterministic functions of the settings.
#ifndef STANDIN_CHIP_H_
#define STANDIN_CHIP_H_
#include "Param.h"

struct LayerCost {
	double latency, energy, leakPower, leakEnergy, bufLatency, bufEnergy, icLatency, icEnergy;
	double adcLatency, accLatency, otherLatency, adcEnergy, accEnergy, otherEnergy;
	int tiles, speedUp;
	double utilization;
};

LayerCost EstimateLayer(const Param& p, double rows, double cols, double activity, double weightSum);
double AdcArea(const Param& p);
double ArrayArea(const Param& p, double cells);
#endif
