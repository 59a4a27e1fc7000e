"""The benchmark (issue 8): the system measured against its own limits on one machine.

`python -m bench` (`make bench`, `make bench-quick`) runs every measurement and writes
bench/results.json. The modules say what they hold:

- generate.py:  fills a database with N referrals and everything around them (COPY)
- sessions.py:  logged-in, second-factor-verified sessions made directly in the database
- inserver.py:  pages timed inside the server (Django's test client) and their query counts
- issuance.py:  issues per second through the services against raw psycopg
- load.py:      gunicorn with the production settings under wrk (mix.lua)
- report.py:    the table and results.json
- __main__.py:  the order in which the run does all that

Nothing here is imported by the application, and no test times anything: timing lives here.
"""
