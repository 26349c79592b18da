"""The baseline of bench/http.py: a bare Flask view that reads the JSON body of a GraphQL POST and
answers the JSON that the hub answers to `{ viewer { id name } }` (BENCH_BARE_ANSWER), served
by gunicorn with the same settings as the hub."""
import json
import os

from flask import Flask, jsonify, request

app = Flask(__name__)
ANSWER = json.loads(os.environ.get("BENCH_BARE_ANSWER", '{"data": {"viewer": null}}'))


@app.post("/graphql")
def graphql():
    request.get_json()
    return jsonify(ANSWER)
