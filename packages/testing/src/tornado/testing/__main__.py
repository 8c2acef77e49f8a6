"""``python -m tornado.testing pkg.test_module``: run tests with :func:`tornado.testing.main`."""

from tornado.testing import main

main()
