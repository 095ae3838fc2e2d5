"""Curated TFDV schemas, one folder per ingest kind (`schemas/<kind>/schema.pbtxt`).

They are package data so that an installed tfxflow (e.g. in its Kubeflow image) finds them too.
"""
