"""Python tasks of the eCommerce example, called by py> (e.g. tasks.recommend.train).

Digdag adds the working directory (the project root) to sys.path, so this
package is importable as ``tasks``.
"""
