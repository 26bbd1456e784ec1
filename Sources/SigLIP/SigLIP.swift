// SigLIP
