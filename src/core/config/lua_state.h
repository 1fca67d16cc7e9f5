// LuaState: an owned lua_State that runs config scripts in a restricted
// environment. Configs are data, so a script gets only pure functions (string,
// table, math, utf8, a few base functions) plus os.getenv/time/date/clock for
// paths and names; no io, os.execute, require, load, dofile, package or debug.
// Every failure becomes a dap::ConfigError that names the file.
#pragma once

#include <string>

struct lua_State;

namespace dap::config {

class LuaState {
 public:
  LuaState();  // throws ConfigError when Lua cannot allocate a state
  ~LuaState();
  LuaState(const LuaState&) = delete;
  LuaState& operator=(const LuaState&) = delete;

  lua_State* get() const { return state_; }

  // Runs a config file (text only, never precompiled bytecode) in a fresh
  // restricted environment and pushes the first value it returns (nil when it
  // returns nothing). Throws ConfigError naming the file on any Lua error.
  void run_file(const std::string& path);

  // Evaluates `return <expression>` in a fresh restricted environment. Pushes
  // the value and returns true on success; returns false (pushing nothing) when
  // the text does not parse or raises an error while running.
  bool eval_expression(const std::string& expression, const std::string& chunk_name);

 private:
  // Pushes a new environment table holding only the allowed functions.
  void push_restricted_env();
  // Sets the restricted table as _ENV of the chunk on top of the stack.
  void sandbox_chunk(const std::string& chunk_name);

  lua_State* state_ = nullptr;
};

}  // namespace dap::config
