"""Tier components of the Elite Locadora platform: one ``pulumi.ComponentResource`` per tier."""
