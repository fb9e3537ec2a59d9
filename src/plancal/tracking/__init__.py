"""Tracking: who is due, done or late; the sub-unit plan cascade; reporting windows."""

