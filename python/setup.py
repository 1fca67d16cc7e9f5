"""dap_data: read dap's preprocessed HDF5 data sets and exported weights from Python.

Installs offline (no build requirements beyond setuptools):
    python3 -m venv --system-site-packages venv && venv/bin/pip install --no-build-isolation ./python"""
from setuptools import setup


def installed_or_required(module, requirement):
    """Debian's python3-h5py registers as "h5py._debian_h5py_serial", which pip does
    not count as h5py: a module that imports already is not asked for again."""
    try:
        __import__(module)
        return []
    except ImportError:
        return [requirement]


setup(
    name="dap-data",
    version="1.0.0",
    description="Readers for dap's HDF5 shards, its loader's sampling, and modules for its exported weights",
    packages=["dap_data"],
    python_requires=">=3.9",
    install_requires=installed_or_required("numpy", "numpy") + installed_or_required("h5py", "h5py"),
    extras_require={"torch": ["torch"]},
)
