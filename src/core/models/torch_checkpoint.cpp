// torch.save reader: PyTorchStreamReader for the zip records, plus a small
// unpickler for the subset of pickle that torch.save writes for state dicts
// (protocol 2 as torch.save emits by default, and the cheap protocol-4 opcodes).
// Only known globals are accepted: a checkpoint is data, never code.
#include "core/models/torch_checkpoint.h"

#include <caffe2/serialize/inline_container.h>
#include <torch/torch.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <unordered_map>

#include "core/base/error.h"

// Storage records are raw little-endian bytes, wrapped without conversion.
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "torch.save storages are little-endian; this reader assumes a little-endian host"
#endif

namespace dap {
namespace {

// ---- Pickle values -------------------------------------------------------

enum class Kind { None, Bool, Int, Float, String, Tuple, List, Dict, Global, Storage, Tensor };

const char* kind_name(Kind kind) {
  switch (kind) {
    case Kind::None: return "None";
    case Kind::Bool: return "bool";
    case Kind::Int: return "int";
    case Kind::Float: return "float";
    case Kind::String: return "str";
    case Kind::Tuple: return "tuple";
    case Kind::List: return "list";
    case Kind::Dict: return "dict";
    case Kind::Global: return "global";
    case Kind::Storage: return "storage";
    case Kind::Tensor: return "tensor";
  }
  return "?";
}

struct Value;
// Shared, because the pickle memo hands out references to one object (a dict
// filled after it was memoised, one storage used by several tensors).
using ValuePtr = std::shared_ptr<Value>;

struct Value {
  Kind kind = Kind::None;
  int64_t integer = 0;                                 // Bool, Int
  double real = 0.0;                                   // Float
  std::string text;                                    // String; Global: "module.name"
  std::vector<ValuePtr> items;                         // Tuple, List
  std::vector<std::pair<ValuePtr, ValuePtr>> entries;  // Dict, in insertion order
  torch::Tensor tensor;                                // Storage (whole, 1-D), Tensor
};

ValuePtr make_value(Kind kind) {
  auto value = std::make_shared<Value>();
  value->kind = kind;
  return value;
}

// The Python globals a state dict may reference.
const std::map<std::string, torch::ScalarType>& storage_types() {
  static const std::map<std::string, torch::ScalarType> types = {
      {"torch.FloatStorage", torch::kFloat},   {"torch.DoubleStorage", torch::kDouble},
      {"torch.HalfStorage", torch::kHalf},     {"torch.BFloat16Storage", torch::kBFloat16},
      {"torch.LongStorage", torch::kLong},     {"torch.IntStorage", torch::kInt},
      {"torch.ShortStorage", torch::kShort},   {"torch.CharStorage", torch::kChar},
      {"torch.ByteStorage", torch::kByte},     {"torch.BoolStorage", torch::kBool}};
  return types;
}
const char* const kOrderedDict = "collections.OrderedDict";
const char* const kRebuildTensor = "torch._utils._rebuild_tensor_v2";
const char* const kRebuildParameter = "torch._utils._rebuild_parameter";

std::string shape_text(torch::IntArrayRef shape) {
  std::ostringstream out;
  out << '[';
  for (size_t i = 0; i < shape.size(); ++i) out << (i ? ", " : "") << shape[i];
  out << ']';
  return out.str();
}

// Reads storage `key` as a 1-D CPU tensor of `numel` elements of `dtype`.
using StorageLoader =
    std::function<torch::Tensor(const std::string& key, torch::ScalarType dtype, int64_t numel)>;

// ---- The unpickler -------------------------------------------------------

class Unpickler {
 public:
  Unpickler(std::string file, const uint8_t* data, size_t size, StorageLoader load_storage)
      : file_(std::move(file)), data_(data), size_(size), load_storage_(std::move(load_storage)) {}

  ValuePtr run() {
    while (true) {
      const size_t opcode_pos = pos_;
      const uint8_t opcode = read_u8();
      switch (opcode) {
        case 0x80: {  // PROTO
          const int protocol = read_u8();
          if (protocol > 5) fail("pickle protocol " + std::to_string(protocol) + " is unknown");
          break;
        }
        case 0x95: read_u64(); break;  // FRAME: framing only, the opcodes follow inline
        case '.': {                    // STOP
          if (stack_.size() != 1 || !marks_.empty()) fail("malformed pickle: stack not empty at STOP");
          return stack_.back();
        }
        // Globals (classes and functions), checked against the allow list.
        case 'c': {  // GLOBAL "module\nname\n"
          std::string module = read_line();
          std::string name = read_line();
          push(make_global(module, name));
          break;
        }
        case 0x93: {  // STACK_GLOBAL
          ValuePtr name = pop();
          ValuePtr module = pop();
          if (module->kind != Kind::String || name->kind != Kind::String)
            fail("malformed pickle: STACK_GLOBAL needs two strings");
          push(make_global(module->text, name->text));
          break;
        }
        // Memo.
        case 'q': memo_[read_u8()] = top(); break;       // BINPUT
        case 'r': memo_[read_u32()] = top(); break;      // LONG_BINPUT
        case 0x94: memo_[memo_.size()] = top(); break;   // MEMOIZE
        case 'h': push(memo_get(read_u8())); break;      // BINGET
        case 'j': push(memo_get(read_u32())); break;     // LONG_BINGET
        // Containers.
        case '(': marks_.push_back(stack_.size()); break;  // MARK
        case ')': push(make_tuple({})); break;             // EMPTY_TUPLE
        case 't': push(make_tuple(pop_mark())); break;     // TUPLE
        case 0x85: push(make_tuple(pop_n(1))); break;      // TUPLE1
        case 0x86: push(make_tuple(pop_n(2))); break;      // TUPLE2
        case 0x87: push(make_tuple(pop_n(3))); break;      // TUPLE3
        case '}': push(make_value(Kind::Dict)); break;     // EMPTY_DICT
        case ']': push(make_value(Kind::List)); break;     // EMPTY_LIST
        case 's': {                                        // SETITEM
          std::vector<ValuePtr> pair = pop_n(2);
          expect_top(Kind::Dict, "SETITEM")->entries.emplace_back(pair[0], pair[1]);
          break;
        }
        case 'u': {  // SETITEMS
          std::vector<ValuePtr> items = pop_mark();
          if (items.size() % 2 != 0) fail("malformed pickle: SETITEMS with an odd item count");
          ValuePtr dict = expect_top(Kind::Dict, "SETITEMS");
          for (size_t i = 0; i < items.size(); i += 2) dict->entries.emplace_back(items[i], items[i + 1]);
          break;
        }
        case 'a': {  // APPEND
          ValuePtr item = pop();
          expect_top(Kind::List, "APPEND")->items.push_back(item);
          break;
        }
        case 'e': {  // APPENDS
          std::vector<ValuePtr> items = pop_mark();
          ValuePtr list = expect_top(Kind::List, "APPENDS");
          list->items.insert(list->items.end(), items.begin(), items.end());
          break;
        }
        // Scalars.
        case 'X': push(make_string(read_bytes(read_u32()))); break;    // BINUNICODE
        case 0x8c: push(make_string(read_bytes(read_u8()))); break;    // SHORT_BINUNICODE
        case 0x8d: push(make_string(read_bytes(read_u64()))); break;   // BINUNICODE8
        case 'J': push(make_int(static_cast<int32_t>(read_u32()))); break;  // BININT
        case 'K': push(make_int(read_u8())); break;                         // BININT1
        case 'M': push(make_int(read_u16())); break;                        // BININT2
        case 0x8a: push(make_int(read_long1())); break;                     // LONG1
        case 'G': push(make_float(read_binfloat())); break;                 // BINFLOAT
        case 'N': push(make_value(Kind::None)); break;                      // NONE
        case 0x88: push(make_bool(true)); break;                            // NEWTRUE
        case 0x89: push(make_bool(false)); break;                           // NEWFALSE
        // Objects.
        case 'R': {  // REDUCE: callable(*args)
          ValuePtr args = pop();
          ValuePtr callable = pop();
          push(reduce(*callable, *args));
          break;
        }
        case 'b': {  // BUILD: obj.__setstate__(state)
          // Only OrderedDict's `_metadata` (module versions) arrives here in a
          // state dict; a reader of tensors ignores it and keeps the object.
          pop();
          top();
          break;
        }
        case 'Q': {  // BINPERSID: a storage record in the archive
          ValuePtr pid = pop();
          push(persistent_load(*pid));
          break;
        }
        default: {
          std::ostringstream what;
          what << "unsupported pickle opcode 0x" << std::hex << int(opcode) << std::dec << " at byte "
               << opcode_pos << " (torch.save state dicts use a small known subset)";
          fail(what.str());
        }
      }
    }
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw InputError(file_ + ": data.pkl: " + what);
  }

  // Byte readers (pickle integers are little-endian, BINFLOAT is big-endian).
  const uint8_t* take(uint64_t n) {
    if (n > size_ - pos_) fail("truncated pickle (wanted " + std::to_string(n) + " bytes at byte " +
                               std::to_string(pos_) + ")");
    const uint8_t* p = data_ + pos_;
    pos_ += n;
    return p;
  }
  uint64_t read_le(int n) {
    const uint8_t* p = take(n);
    uint64_t v = 0;
    for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
    return v;
  }
  uint8_t read_u8() { return static_cast<uint8_t>(read_le(1)); }
  uint16_t read_u16() { return static_cast<uint16_t>(read_le(2)); }
  uint32_t read_u32() { return static_cast<uint32_t>(read_le(4)); }
  uint64_t read_u64() { return read_le(8); }
  std::string read_bytes(uint64_t n) {
    const uint8_t* p = take(n);
    return std::string(reinterpret_cast<const char*>(p), n);
  }
  std::string read_line() {
    std::string line;
    for (uint8_t c = read_u8(); c != '\n'; c = read_u8()) line.push_back(static_cast<char>(c));
    return line;
  }
  int64_t read_long1() {  // n-byte little-endian two's complement
    const int n = read_u8();
    if (n > 8) fail("integer of " + std::to_string(n) + " bytes does not fit in int64");
    if (n == 0) return 0;
    uint64_t v = read_le(n);
    if (n < 8 && (v >> (8 * n - 1)) & 1) v |= ~uint64_t{0} << (8 * n);  // sign-extend
    return static_cast<int64_t>(v);
  }
  double read_binfloat() {
    const uint8_t* p = take(8);
    uint64_t bits = 0;
    for (int i = 0; i < 8; ++i) bits = (bits << 8) | p[i];
    double v;
    std::memcpy(&v, &bits, sizeof v);
    return v;
  }

  // Stack helpers.
  void push(ValuePtr value) { stack_.push_back(std::move(value)); }
  ValuePtr& top() {
    if (stack_.empty() || (!marks_.empty() && marks_.back() == stack_.size()))
      fail("malformed pickle: stack underflow");
    return stack_.back();
  }
  ValuePtr pop() {
    ValuePtr value = top();
    stack_.pop_back();
    return value;
  }
  std::vector<ValuePtr> pop_n(size_t n) {
    const size_t floor = marks_.empty() ? 0 : marks_.back();
    if (stack_.size() < floor + n) fail("malformed pickle: stack underflow");
    std::vector<ValuePtr> items(stack_.end() - n, stack_.end());
    stack_.resize(stack_.size() - n);
    return items;
  }
  std::vector<ValuePtr> pop_mark() {
    if (marks_.empty()) fail("malformed pickle: no MARK on the stack");
    const size_t mark = marks_.back();
    marks_.pop_back();
    std::vector<ValuePtr> items(stack_.begin() + mark, stack_.end());
    stack_.resize(mark);
    return items;
  }
  ValuePtr expect_top(Kind kind, const char* opcode) {
    ValuePtr value = top();
    if (value->kind != kind)
      fail(std::string(opcode) + " on a " + kind_name(value->kind) + ", expected a " + kind_name(kind));
    return value;
  }
  ValuePtr memo_get(uint64_t index) {
    auto it = memo_.find(index);
    if (it == memo_.end()) fail("malformed pickle: memo entry " + std::to_string(index) + " is unset");
    return it->second;
  }

  // Value makers.
  static ValuePtr make_tuple(std::vector<ValuePtr> items) {
    ValuePtr v = make_value(Kind::Tuple);
    v->items = std::move(items);
    return v;
  }
  static ValuePtr make_string(std::string text) {
    ValuePtr v = make_value(Kind::String);
    v->text = std::move(text);
    return v;
  }
  static ValuePtr make_int(int64_t i) {
    ValuePtr v = make_value(Kind::Int);
    v->integer = i;
    return v;
  }
  static ValuePtr make_bool(bool b) {
    ValuePtr v = make_value(Kind::Bool);
    v->integer = b;
    return v;
  }
  static ValuePtr make_float(double d) {
    ValuePtr v = make_value(Kind::Float);
    v->real = d;
    return v;
  }
  ValuePtr make_global(const std::string& module, const std::string& name) {
    const std::string full = module + "." + name;
    if (full != kOrderedDict && full != kRebuildTensor && full != kRebuildParameter &&
        !storage_types().count(full))
      fail("unsupported Python global '" + full +
           "': only state dicts of tensors (OrderedDict, tensors, parameters, storages) can be read");
    ValuePtr v = make_value(Kind::Global);
    v->text = full;
    return v;
  }

  int64_t int_arg(const Value& v, const char* what) const {
    if (v.kind != Kind::Int) fail(std::string(what) + " is a " + kind_name(v.kind) + ", expected an int");
    return v.integer;
  }
  std::vector<int64_t> int_tuple_arg(const Value& v, const char* what) const {
    if (v.kind != Kind::Tuple) fail(std::string(what) + " is a " + kind_name(v.kind) + ", expected a tuple");
    std::vector<int64_t> ints;
    for (const ValuePtr& item : v.items) ints.push_back(int_arg(*item, what));
    return ints;
  }

  ValuePtr reduce(const Value& callable, const Value& args) {
    if (callable.kind != Kind::Global) fail(std::string("REDUCE on a ") + kind_name(callable.kind));
    if (args.kind != Kind::Tuple) fail("REDUCE arguments are not a tuple");
    const std::vector<ValuePtr>& a = args.items;
    if (callable.text == kOrderedDict) {
      if (!a.empty()) fail("OrderedDict called with arguments");
      return make_value(Kind::Dict);
    }
    if (callable.text == kRebuildTensor) {
      // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
      if (a.size() < 5) fail("_rebuild_tensor_v2 with " + std::to_string(a.size()) + " arguments");
      if (a[0]->kind != Kind::Storage) fail("_rebuild_tensor_v2 on a " + std::string(kind_name(a[0]->kind)));
      ValuePtr v = make_value(Kind::Tensor);
      v->tensor = view_of_storage(a[0]->tensor, int_arg(*a[1], "storage offset"),
                                  int_tuple_arg(*a[2], "tensor size"), int_tuple_arg(*a[3], "tensor stride"));
      return v;
    }
    if (callable.text == kRebuildParameter) {  // (data, requires_grad, backward_hooks)
      if (a.empty() || a[0]->kind != Kind::Tensor) fail("_rebuild_parameter without a tensor");
      return a[0];
    }
    fail("'" + callable.text + "' is not callable");
  }

  torch::Tensor view_of_storage(const torch::Tensor& storage, int64_t offset,
                                const std::vector<int64_t>& size, const std::vector<int64_t>& stride) const {
    if (size.size() != stride.size())
      fail("tensor size " + shape_text(size) + " and stride " + shape_text(stride) + " differ in rank");
    // The last element the view touches must lie inside the storage.
    int64_t last = offset;
    bool empty = false;
    for (size_t d = 0; d < size.size(); ++d) {
      if (size[d] < 0 || stride[d] < 0) fail("negative tensor size or stride");
      if (size[d] == 0) empty = true;
      last += (size[d] - 1) * stride[d];
    }
    if (offset < 0 || (!empty && last >= storage.numel()))
      fail("tensor of size " + shape_text(size) + ", stride " + shape_text(stride) + ", offset " +
           std::to_string(offset) + " exceeds its storage of " + std::to_string(storage.numel()) + " elements");
    return storage.as_strided(size, stride, offset);
  }

  // ('storage', StorageType, key, location, numel): the location ("cpu",
  // "cuda:0", ...) is ignored on purpose, every tensor is built on the CPU.
  ValuePtr persistent_load(const Value& pid) {
    if (pid.kind != Kind::Tuple || pid.items.size() < 5 || pid.items[0]->kind != Kind::String ||
        pid.items[0]->text != "storage")
      fail("unsupported persistent id (expected ('storage', type, key, location, numel))");
    const Value& type = *pid.items[1];
    const Value& key = *pid.items[2];
    if (type.kind != Kind::Global || !storage_types().count(type.text))
      fail("persistent id names no storage type");
    if (key.kind != Kind::String) fail("storage key is a " + std::string(kind_name(key.kind)));
    const torch::ScalarType dtype = storage_types().at(type.text);
    const int64_t numel = int_arg(*pid.items[4], "storage size");

    auto cached = storages_.find(key.text);
    if (cached == storages_.end()) {
      cached = storages_.emplace(key.text, load_storage_(key.text, dtype, numel)).first;
    } else if (cached->second.scalar_type() != dtype || cached->second.numel() != numel) {
      fail("storage '" + key.text + "' is used with two different types or sizes");
    }
    ValuePtr v = make_value(Kind::Storage);
    v->tensor = cached->second;
    return v;
  }

  std::string file_;
  const uint8_t* data_;
  size_t size_;
  size_t pos_ = 0;
  StorageLoader load_storage_;
  std::vector<ValuePtr> stack_;
  std::vector<size_t> marks_;  // stack sizes at each MARK
  std::unordered_map<uint64_t, ValuePtr> memo_;
  std::map<std::string, torch::Tensor> storages_;  // key -> whole storage, so views share it
};

// ---- From the unpickled object to a flat state dict ----------------------

void flatten(const Value& dict, const std::string& prefix, const std::string& file, int depth,
             StateDict& out) {
  if (depth > 32) throw InputError(file + ": dicts nested deeper than 32 levels (a cycle?)");
  for (const auto& [key, value] : dict.entries) {
    std::string name;
    if (key->kind == Kind::String) {
      name = key->text;
    } else if (key->kind == Kind::Int) {  // e.g. optimizer state {0: {...}}
      name = std::to_string(key->integer);
    } else {
      throw InputError(file + ": dict key of type " + kind_name(key->kind) + " under '" + prefix +
                       "' (state dict keys are strings)");
    }
    if (!prefix.empty()) name = prefix + "." + name;
    if (value->kind == Kind::Tensor) {
      if (!out.emplace(name, value->tensor).second)
        throw InputError(file + ": key '" + name + "' occurs twice after flattening nested dicts");
    } else if (value->kind == Kind::Dict) {
      flatten(*value, name, file, depth + 1, out);
    }  // other values (epoch numbers, config strings, lists) are not tensors: skipped
  }
}

// torch.save archives start with a zip local header ("PK"); files written by
// PyTorch < 1.6 (or with _use_new_zipfile_serialization=False) start with a pickle.
void require_zip_archive(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw InputError("checkpoint not found: " + path);
  std::ifstream in(path, std::ios::binary);
  char magic[2] = {0, 0};
  in.read(magic, 2);
  if (!in || magic[0] != 'P' || magic[1] != 'K')
    throw InputError(path + ": not a torch.save zip archive (the legacy format of PyTorch < 1.6 is not "
                            "supported; re-save it with torch.save in a current PyTorch)");
}

}  // namespace

StateDict load_torch_state_dict(const std::string& path) {
  require_zip_archive(path);
  try {
    caffe2::serialize::PyTorchStreamReader reader(path);  // handles the archive folder prefix
    if (!reader.hasRecord("data.pkl"))
      throw InputError(path + ": zip archive without data.pkl, not a torch.save file");
    if (reader.hasRecord("constants.pkl"))
      throw InputError(path + ": a TorchScript archive (torch.jit.save), not a torch.save state dict");

    auto [pickle, pickle_size] = reader.getRecord("data.pkl");
    auto load_storage = [&](const std::string& key, torch::ScalarType dtype, int64_t numel) {
      const std::string record = "data/" + key;
      if (!reader.hasRecord(record)) throw InputError(path + ": storage record '" + record + "' is missing");
      if (numel == 0) return torch::empty({0}, torch::dtype(dtype));
      auto [bytes, size] = reader.getRecord(record);
      const size_t expected = static_cast<size_t>(numel) * c10::elementSize(dtype);
      if (size != expected)
        throw InputError(path + ": storage record '" + record + "' holds " + std::to_string(size) +
                         " bytes, expected " + std::to_string(expected));
      // Zero-copy: the tensor keeps the record's buffer alive.
      auto buffer = std::make_shared<at::DataPtr>(std::move(bytes));
      return torch::from_blob(buffer->get(), {numel}, [buffer](void*) {}, torch::dtype(dtype));
    };

    Unpickler unpickler(path, static_cast<const uint8_t*>(pickle.get()), pickle_size, load_storage);
    ValuePtr root = unpickler.run();
    if (root->kind != Kind::Dict)
      throw InputError(path + ": holds a " + kind_name(root->kind) + ", expected a dict of tensors");
    StateDict state;
    flatten(*root, "", path, 0, state);
    return state;
  } catch (const c10::Error& e) {  // zip-level problems reported by PyTorchStreamReader
    throw InputError(path + ": cannot read the torch.save archive: " + e.what_without_backtrace());
  }
}

void check_state_dict(const StateDict& state, const std::vector<ExpectedTensor>& expected,
                      const std::string& file, bool allow_unexpected) {
  std::vector<std::string> problems;
  std::set<std::string> known;
  for (const ExpectedTensor& e : expected) {
    known.insert(e.name);
    auto it = state.find(e.name);
    if (it == state.end()) {
      if (e.required) problems.push_back("missing key '" + e.name + "' " + shape_text(e.shape));
    } else if (it->second.sizes() != torch::IntArrayRef(e.shape)) {
      problems.push_back("key '" + e.name + "' has shape " + shape_text(it->second.sizes()) + ", expected " +
                         shape_text(e.shape));
    }
  }
  if (!allow_unexpected) {
    for (const auto& [name, tensor] : state)
      if (!known.count(name)) problems.push_back("unexpected key '" + name + "' " + shape_text(tensor.sizes()));
  }
  if (problems.empty()) return;
  std::string message = file + ": the weights do not match the model (" + std::to_string(problems.size()) +
                        " problem" + (problems.size() == 1 ? "" : "s") + "; is this the right file?):";
  for (const std::string& p : problems) message += "\n  " + p;
  throw InputError(message);
}

StateDict select_prefix(const StateDict& state, const std::string& prefix) {
  StateDict selected;
  for (auto it = state.lower_bound(prefix); it != state.end() && it->first.compare(0, prefix.size(), prefix) == 0;
       ++it)
    selected.emplace(it->first.substr(prefix.size()), it->second);
  return selected;
}

void load_module_state(torch::nn::Module& module, const StateDict& state, const std::string& file) {
  std::vector<ExpectedTensor> expected;
  for (const auto& item : module.named_parameters()) expected.push_back({item.key(), item.value().sizes().vec()});
  for (const auto& item : module.named_buffers()) expected.push_back({item.key(), item.value().sizes().vec()});
  check_state_dict(state, expected, file, /*allow_unexpected=*/false);
  torch::NoGradGuard no_grad;
  for (auto& item : module.named_parameters()) item.value().copy_(state.at(item.key()));
  for (auto& item : module.named_buffers()) item.value().copy_(state.at(item.key()));
}

}  // namespace dap
