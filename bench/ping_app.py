"""A bare Flask "ping" (the ceiling for cheap requests under the same WSGI server)."""

from flask import Flask

app = Flask(__name__)


@app.get("/sparql")
def ping():
    return "pong"
