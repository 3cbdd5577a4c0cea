"""The hospital's rules as plain Python: no I/O, no framework imports.

Every module here is a function in, a value or an exception out.
"""
