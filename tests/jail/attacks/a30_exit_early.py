"""Integrity: exit with status 0 before returning (exit code 0 is not 'passed')."""
import os
def f(x):
    os._exit(0)
