"""Tests of the Lookout for Equipment emulator (emulators.lookout)."""
