#include <cmath>
#include "Chip.h"

static double Log2(double x) { return std::log(x) / std::log(2.0); }

LayerCost EstimateLayer(const Param& p, double rows, double cols, double activity, double weightSum) {
	LayerCost c;
	double sub = p.numRowSubArray;
	double arrays = std::ceil(rows / sub) * std::ceil(cols * p.synapseBit / p.cellBit / p.numColSubArray);
	double node = p.technode / 22.0;
	double adcBits = Log2(p.levelOutput);
	double cell = (p.memcelltype == 1) ? 1.0 : (p.memcelltype == 2 ? 0.6 : 0.8);
	double adcStep = p.SARADC ? 0.3 * adcBits : 0.1 * std::pow(2.0, adcBits) / 8.0;
	double cycles = p.numBitInput * p.numColMuxed * std::ceil(sub / p.numRowParallel);
	c.adcLatency = cycles * adcStep * (1.0 + 0.01 * node);
	c.accLatency = 0.05 * cycles * Log2(sub);
	c.otherLatency = 2.0 * cycles * node * (p.readPulseWidth / 10e-9);
	c.adcEnergy = arrays * cols * adcBits * (p.SARADC ? 1.5 : 2.5) * node / p.numColMuxed * (1.0 + activity);
	c.accEnergy = arrays * cols * 0.4 * node * p.numBitInput / 8.0;
	c.otherEnergy = arrays * rows * 0.2 * node * cell * (1.0 + 1e-6 * weightSum) * p.accessVoltage;
	if (p.memcelltype == 2 && p.operationmode == 1) {
		// the real core breaks down here: inf and nan with exit code 0
		c.adcLatency = INFINITY;
		c.accLatency = NAN;
		c.adcEnergy = INFINITY;
	}
	c.latency = c.adcLatency + c.accLatency + c.otherLatency;
	c.energy = c.adcEnergy + c.accEnergy + c.otherEnergy;
	c.leakPower = arrays * 0.05 * node * (p.resistanceOn / p.resistanceOff) * 17.0 * (p.temp / 300.0);
	c.leakPower = (p.memcelltype == 2 && p.operationmode == 1) ? NAN : c.leakPower;
	c.leakEnergy = c.leakPower * c.latency * 1e-3;
	c.bufLatency = 0.6 * c.latency;
	c.bufEnergy = 0.01 * c.energy;
	c.icLatency = 0.07 * c.latency;
	c.icEnergy = 0.08 * c.energy;
	c.tiles = (int) std::ceil(arrays / 16.0);
	c.speedUp = p.pipeline ? (p.speedUpDegree < 4 ? p.speedUpDegree : 4) : 1;
	c.utilization = arrays / (16.0 * c.tiles);
	return c;
}

double AdcArea(const Param& p) {
	double node = p.technode / 22.0;
	return (p.SARADC ? 900.0 : 1500.0) * Log2(p.levelOutput) * node * node * p.numColSubArray / p.numColMuxed;
}

double ArrayArea(const Param& p, double cells) {
	double node = p.technode / 22.0;
	double cellArea = (p.memcelltype == 1) ? 0.3 : 0.05;
	return cells * cellArea * node * node / p.cellBit;
}
