"""The one thing python/pyproject.toml cannot say statically: its dependencies.

Debian's python3-h5py registers as "h5py._debian_h5py_serial", which pip does not count
as h5py, so a static "h5py" would make an offline install try to download it. A module
that imports already is not asked for again."""
from setuptools import setup


def installed_or_required(module, requirement):
    try:
        __import__(module)
        return []
    except ImportError:
        return [requirement]


setup(install_requires=installed_or_required("numpy", "numpy") + installed_or_required("h5py", "h5py"))
