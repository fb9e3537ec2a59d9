"""Vietnamese time and text: dates as documents write them, periods, working days and days off, anniversaries."""

