"""Fault injection: the buying path and the scheduler while parts of the platform die."""
