raise ImportError("torchvision.models.utils was removed in torchvision 0.13 (stand-in)")
