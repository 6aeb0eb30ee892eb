"""Nicat: case management and national referral for victims of human trafficking."""
