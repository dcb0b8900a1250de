"""Live plots of a run: curves, weight histograms, results."""
