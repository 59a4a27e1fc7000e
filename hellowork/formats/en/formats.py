# British date formats for the English pages (Django's "en" is American: "June 9", "N j, Y").
# Only what the templates name; everything else falls back to Django's "en" formats.
DATE_FORMAT = "j F Y"  # 9 June 2025
YEAR_MONTH_FORMAT = "F Y"  # June 2025
MONTH_DAY_FORMAT = "j F"  # 9 June
