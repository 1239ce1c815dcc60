"""Devices on the network: the service that pairs, keeps track of paired devices and runs Spacedrop."""
