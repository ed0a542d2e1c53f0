"""The network simulator: hourly, fluid FIFO cohorts through nodes and lanes (两不: will a node
overflow, when, and how badly), and the graded warnings raised from its results."""
