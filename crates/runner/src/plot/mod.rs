//! Plots drawn from an experiment's recorded results. (Owned by the plots work of the runner issue.)
