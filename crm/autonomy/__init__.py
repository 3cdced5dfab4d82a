"""Autonomy units: contracts that let a sales unit decide discounts and quotes itself, within HQ's outcome limits."""
