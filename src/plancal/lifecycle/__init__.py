"""The plan lifecycle: issuing plan files into the store, the stages and when they have work, the simulated clock."""

