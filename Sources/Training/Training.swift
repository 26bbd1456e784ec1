// The training engine: see the files of this module.
