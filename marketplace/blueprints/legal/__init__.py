"""The legal pages: the accessibility statement, the terms of sale and the legal notice.

Their catalogue (babel.cfg beside this file gives the pybabel commands) also holds the
footer's links to them (templates/legal/_footer_links.html, included by every page)."""
