// LuaState: owned lua_State plus the restricted environment config scripts run in.
#include "core/config/lua_state.h"

#include <lua.hpp>

#include <cstdio>
#include <cstdlib>

#include "core/base/error.h"

namespace dap::config {
namespace {

// Base functions a config may use: pure, no I/O, no code loading.
constexpr const char* kBaseFunctions[] = {
    "assert", "error", "ipairs", "next", "pairs", "pcall", "select",
    "tonumber", "tostring", "type", "_VERSION"};
// Standard libraries copied whole (the copy keeps scripts from changing the originals).
constexpr const char* kPureLibraries[] = {"string", "table", "math", "utf8"};
// The harmless part of `os`: environment variables for paths, clock and dates for names.
constexpr const char* kOsFunctions[] = {"getenv", "time", "date", "clock"};

constexpr const char* kRestrictedHint =
    " (config files run in a restricted Lua environment: os.execute, io, require, "
    "load, loadfile, dofile, package and debug are unavailable; os.getenv is allowed)";

// Copies field `name` of the table at `from` into the table at `to` (absolute indices).
void copy_field(lua_State* L, int from, int to, const char* name) {
  lua_getfield(L, from, name);
  lua_setfield(L, to, name);
}

// Builds and returns the restricted environment table. Runs under lua_pcall so
// that an allocation failure becomes an error status, not a panic.
int build_restricted_env(lua_State* L) {
  lua_rawgeti(L, LUA_REGISTRYINDEX, LUA_RIDX_GLOBALS);
  const int globals = lua_gettop(L);
  lua_newtable(L);
  const int env = lua_gettop(L);

  for (const char* name : kBaseFunctions) copy_field(L, globals, env, name);

  for (const char* lib : kPureLibraries) {
    lua_getfield(L, globals, lib);
    const int original = lua_gettop(L);
    lua_newtable(L);
    const int copy = lua_gettop(L);
    lua_pushnil(L);
    while (lua_next(L, original) != 0) {
      lua_pushvalue(L, -2);  // key
      lua_insert(L, -2);     // key, key, value
      lua_rawset(L, copy);   // copy[key] = value; leaves key for lua_next
    }
    // string.dump emits bytecode; nothing here can load it, but it has no use in a config.
    lua_pushnil(L);
    lua_setfield(L, copy, "dump");
    lua_setfield(L, env, lib);  // env[lib] = copy
    lua_pop(L, 1);              // original
  }

  lua_newtable(L);
  lua_getfield(L, globals, "os");
  for (const char* name : kOsFunctions) copy_field(L, lua_gettop(L), lua_gettop(L) - 1, name);
  lua_pop(L, 1);  // the real os
  lua_setfield(L, env, "os");

  // Lua 5.1 spelling, still common in configs.
  lua_getfield(L, env, "table");
  lua_getfield(L, -1, "unpack");
  lua_setfield(L, env, "unpack");
  lua_pop(L, 1);

  lua_pushvalue(L, env);
  lua_setfield(L, env, "_G");  // _G names the restricted table, not the real globals
  return 1;
}

// Pops the error object on top of the stack and returns it as text.
std::string pop_error_message(lua_State* L) {
  std::string message;
  if (const char* text = lua_tostring(L, -1)) {
    message = text;
  } else {
    message = std::string("(error object is a ") + luaL_typename(L, -1) + " value)";
  }
  lua_pop(L, 1);
  return message;
}

// Calling or indexing a missing global is how a sandboxed script meets io, require...
bool looks_like_missing_function(const std::string& message) {
  return message.find("attempt to call a nil value") != std::string::npos ||
         message.find("attempt to index a nil value (global") != std::string::npos;
}

}  // namespace

void* LuaState::limited_alloc(void* self, void* block, size_t old_size, size_t new_size) {
  auto* lua = static_cast<LuaState*>(self);
  if (block == nullptr) old_size = 0;  // Lua passes the object type here
  if (new_size == 0) {
    std::free(block);
    lua->allocated_ -= old_size;
    return nullptr;
  }
  if (new_size > old_size && lua->allocated_ + (new_size - old_size) > kLuaMemoryLimit) return nullptr;
  void* resized = std::realloc(block, new_size);
  if (resized != nullptr) lua->allocated_ = lua->allocated_ - old_size + new_size;
  return resized;
}

void LuaState::check_time(lua_State* L, lua_Debug* /*debug*/) {
  const LuaState* lua = *static_cast<LuaState**>(lua_getextraspace(L));
  if (std::chrono::steady_clock::now() > lua->deadline_) {
    luaL_error(L, "did not finish within %d s (an endless loop?)", static_cast<int>(kLuaSecondsLimit));
  }
}

int LuaState::call_with_limits() {
  deadline_ = std::chrono::steady_clock::now() +
              std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                  std::chrono::duration<double>(kLuaSecondsLimit));
  return lua_pcall(state_, 0, 1, 0);
}

LuaState::LuaState() {
  // Every block goes through limited_alloc from the start, so allocated_ is exact.
  state_ = lua_newstate(limited_alloc, this);
  if (state_ == nullptr) throw ConfigError("cannot create a Lua state (out of memory)");
  *static_cast<LuaState**>(lua_getextraspace(state_)) = this;
  lua_atpanic(state_, [](lua_State* L) -> int {
    std::fprintf(stderr, "Lua panic: %s\n", lua_tostring(L, -1));
    std::abort();
  });
  // Checked every 10^5 instructions: a few microseconds, often enough to stop promptly.
  lua_sethook(state_, check_time, LUA_MASKCOUNT, 100000);
  // Open every library once so their tables exist to copy from; scripts never
  // see these globals, only the restricted table built in push_restricted_env.
  lua_pushcfunction(state_, [](lua_State* L) -> int {
    luaL_openlibs(L);
    return 0;
  });
  if (lua_pcall(state_, 0, 0, 0) != LUA_OK) {
    const std::string message = pop_error_message(state_);
    lua_close(state_);
    throw ConfigError("cannot open the Lua libraries: " + message);
  }
}

LuaState::~LuaState() { lua_close(state_); }

void LuaState::push_restricted_env() {
  lua_pushcfunction(state_, build_restricted_env);
  if (lua_pcall(state_, 0, 1, 0) != LUA_OK) {
    throw ConfigError("cannot build the restricted Lua environment: " + pop_error_message(state_));
  }
}

void LuaState::sandbox_chunk(const std::string& chunk_name) {
  push_restricted_env();
  // A chunk compiled from source has exactly one upvalue, _ENV.
  const char* upvalue = lua_setupvalue(state_, -2, 1);
  if (upvalue == nullptr || std::string(upvalue) != "_ENV") {
    lua_pop(state_, upvalue == nullptr ? 2 : 1);
    throw ConfigError("cannot restrict the environment of " + chunk_name +
                      ": its chunk has no _ENV upvalue");
  }
}

void LuaState::run_file(const std::string& path) {
  // Mode "t": text only, so precompiled bytecode (which can bypass checks) is refused.
  const int load_status = luaL_loadfilex(state_, path.c_str(), "t");
  if (load_status != LUA_OK) {
    const std::string message = pop_error_message(state_);
    if (load_status == LUA_ERRSYNTAX) {
      throw ConfigError("syntax error in config file " + path + ": " + message);
    }
    throw ConfigError("cannot read config file " + path + ": " + message);
  }
  sandbox_chunk(path);
  if (call_with_limits() != LUA_OK) {
    std::string message = pop_error_message(state_);
    if (looks_like_missing_function(message)) message += kRestrictedHint;
    throw ConfigError("error in config file " + path + ": " + message);
  }
}

bool LuaState::eval_expression(const std::string& expression, const std::string& chunk_name) {
  const std::string source = "return " + expression;
  const std::string name = "=" + chunk_name;
  if (luaL_loadbufferx(state_, source.data(), source.size(), name.c_str(), "t") != LUA_OK) {
    lua_pop(state_, 1);  // the syntax error message
    return false;
  }
  sandbox_chunk(chunk_name);
  if (call_with_limits() != LUA_OK) {
    lua_pop(state_, 1);  // the runtime error message
    return false;
  }
  return true;
}

}  // namespace dap::config
