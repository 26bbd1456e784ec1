// Datasets: see the files of this module.
