"""The API's views: records, the OpenAPI document, and the tokens page."""
