"""The plan lifecycle: issuing plan files into the store and the simulated clock."""

