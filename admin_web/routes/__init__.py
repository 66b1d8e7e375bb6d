"""One module per feature of the panel; ``admin_web.pages`` lists them."""
