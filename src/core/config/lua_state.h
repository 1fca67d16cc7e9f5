// LuaState: an owned lua_State that runs config scripts in a restricted
// environment. Configs are data, so a script gets only pure functions (string,
// table, math, utf8, a few base functions) plus os.getenv/time/date/clock for
// paths and names; no io, os.execute, require, load, dofile, package or debug.
// Every failure becomes a dap::ConfigError that names the file. A script that
// runs longer than kLuaSecondsLimit (an endless loop) or allocates more than
// kLuaMemoryLimit is stopped with such an error, so a job never hangs on its config.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

struct lua_State;
struct lua_Debug;

namespace dap::config {

constexpr double kLuaSecondsLimit = 5.0;
constexpr size_t kLuaMemoryLimit = size_t{512} << 20;

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
  // Runs the sandboxed chunk on top of the stack with the time limit armed.
  int call_with_limits();
  static void check_time(lua_State* L, lua_Debug* debug);
  static void* limited_alloc(void* self, void* block, size_t old_size, size_t new_size);

  lua_State* state_ = nullptr;
  std::chrono::steady_clock::time_point deadline_;
  size_t allocated_ = 0;
};

}  // namespace dap::config
