"""NoisyNeuroSIM: sweeps of DNN+NeuroSim V1.4 noise studies, checked, run and collected."""

__version__ = "0.1.0"
