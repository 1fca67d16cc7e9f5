#!/bin/sh
# Compiler launcher: ccache for every object, but a precompiled header (.gch) is
# always compiled here. ccache would hand a fresh clone elsewhere (CI) the .gch of
# another checkout (paths are hashed relative to the tree), and GCC 12 compiling a
# torch file against such a foreign header grew to 24 GB and was killed (measured).
# usage: ccache_unless_pch.sh CCACHE COMPILER ARGS...
ccache=$1
shift
for arg in "$@"; do
  case $arg in
    *.gch) exec "$@" ;;
  esac
done
exec "$ccache" "$@"
