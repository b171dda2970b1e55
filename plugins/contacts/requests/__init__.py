"""Incoming contact requests (leads): intake from every source, routing, matching, conversion.

``intake.create_request`` is the one way a request is made, whether a user
types it in, a web site posts a form, an integration calls the API or the
messaging plugin hands over an e-mail; so every request is validated, matched
to a customer, routed and recorded in history alike. The views only translate
HTTP into calls of these modules.
"""
