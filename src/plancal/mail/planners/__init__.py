"""One planner per kind of mail: each reads the store for a day and returns letters, sending nothing."""

