"""Local emulators of AWS services that moto does not cover (used by tests and the demo)."""
