"""iCal feeds: names and addresses, rendering, export and the feed server."""

