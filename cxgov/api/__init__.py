"""The JSON API (/api/v1): personal access tokens, an OpenAPI 3.1 spec derived from the code.

One folder: ``models`` (tokens), ``tokens`` (token services), ``auth`` (who is calling, which
organisation, rate limit), ``problems`` (RFC 9457 error objects), ``spec`` (flask-smorest set
up and the local docs page), the endpoint modules, ``account`` (the token page) and ``cli``.
"""
