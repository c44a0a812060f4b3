#include "uplink_harness.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "core/sd_event_loop.hpp"

namespace tgw::test {

LoopThread::LoopThread() {
  auto loop = core::makeSdEventLoop();
  if (!loop) throw std::runtime_error(loop.error().message);
  loop_ = std::move(*loop);
  std::promise<void> ready;
  auto fut = ready.get_future();
  // sd-event loops belong to the thread that runs them: hand it over.
  thread_ = std::thread([this, &ready] {
    loop_->post([&ready] { ready.set_value(); });
    (void)loop_->run();
  });
  fut.wait();
}

LoopThread::~LoopThread() {
  loop_->requestStop(0);
  thread_.join();
}

void LoopThread::sync(const std::function<void()>& fn) {
  std::promise<void> done;
  auto fut = done.get_future();
  loop_->post([&] {
    fn();
    done.set_value();
  });
  fut.wait();
}

void RecordingListener::onConnected() {
  if (!loop_.inLoopThread()) off_loop_ = true;
  std::lock_guard lk(mu_);
  ++connected_;
}
void RecordingListener::onDisconnected(const std::string&) {
  if (!loop_.inLoopThread()) off_loop_ = true;
  std::lock_guard lk(mu_);
  ++disconnected_;
}
void RecordingListener::onDelivered(std::uint64_t token) {
  if (!loop_.inLoopThread()) off_loop_ = true;
  std::lock_guard lk(mu_);
  delivered_.push_back(token);
}
void RecordingListener::onSendFailed(std::uint64_t token, const std::string&) {
  std::lock_guard lk(mu_);
  failed_.push_back(token);
}
void RecordingListener::onMessage(const std::string& topic, const std::string& payload, int) {
  if (!loop_.inLoopThread()) off_loop_ = true;
  std::lock_guard lk(mu_);
  messages_.push_back(topic + " " + payload);
}
int RecordingListener::connected() const {
  std::lock_guard lk(mu_);
  return connected_;
}
int RecordingListener::disconnected() const {
  std::lock_guard lk(mu_);
  return disconnected_;
}
std::vector<std::uint64_t> RecordingListener::delivered() const {
  std::lock_guard lk(mu_);
  return delivered_;
}
std::vector<std::uint64_t> RecordingListener::failed() const {
  std::lock_guard lk(mu_);
  return failed_;
}
std::vector<std::string> RecordingListener::messages() const {
  std::lock_guard lk(mu_);
  return messages_;
}

namespace {

void openssl(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {"openssl"};
  argv.insert(argv.end(), args.begin(), args.end());
  std::string out;
  if (run(argv, &out) != 0) throw std::runtime_error("openssl failed: " + out);
}

std::string inDir(const std::filesystem::path& d, const std::string& name) { return (d / name).string(); }

void makeCa(const std::filesystem::path& d, const std::string& name) {
  openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "3",
           "-subj", "/CN=" + name, "-keyout", inDir(d, name + ".key"), "-out", inDir(d, name + ".pem")});
}

void makeLeaf(const std::filesystem::path& d, const std::string& ca, const std::string& name, const std::string& san,
              const std::string& usage) {
  openssl({"req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", "/CN=" + name,
           "-keyout", inDir(d, name + ".key"), "-out", inDir(d, name + ".csr")});
  const std::string ext = inDir(d, name + ".ext");
  std::ofstream(ext) << (san.empty() ? "" : "subjectAltName=" + san + "\n") << "extendedKeyUsage=" << usage << "\n";
  openssl({"x509", "-req", "-in", inDir(d, name + ".csr"), "-CA", inDir(d, ca + ".pem"), "-CAkey",
           inDir(d, ca + ".key"), "-CAcreateserial", "-days", "3", "-extfile", ext, "-out", inDir(d, name + ".pem")});
}

}  // namespace

// Made once per build tree (TGW_BUILD_DIR/uplink-test-certs, under a file
// lock so parallel test processes share them) and remade when a day old:
// key generation is slow on a small, busy machine.
const Certs& certs() {
  static const Certs c = [] {
    namespace fs = std::filesystem;
    const char* build = std::getenv("TGW_BUILD_DIR");
    const fs::path root = build != nullptr ? fs::path(build) / "uplink-test-certs" : fs::temp_directory_path() /
                                                                                         "tgw-uplink-test-certs";
    fs::create_directories(root);
    const int lock = ::open((root / ".lock").c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0600);
    ::flock(lock, LOCK_EX);
    const fs::path done = root / "complete";
    std::error_code ec;
    const bool fresh = fs::exists(done) &&
                       fs::last_write_time(done, ec) > fs::file_time_type::clock::now() - std::chrono::hours(24);
    const auto file = [&](const std::string& n) { return (root / n).string(); };
    if (!fresh) {
      fs::remove(done, ec);
      makeCa(root, "ca");
      makeCa(root, "other-ca");
      makeLeaf(root, "ca", "server", "IP:127.0.0.1,DNS:localhost", "serverAuth");
      makeLeaf(root, "ca", "wrong", "DNS:wrong.example", "serverAuth");
      makeLeaf(root, "ca", "client", "", "clientAuth");
      // mosquitto started as root reads them after dropping to its own user.
      fs::permissions(root, fs::perms::owner_all | fs::perms::others_read | fs::perms::others_exec);
      for (const auto& e : fs::directory_iterator(root)) {
        if (e.path().filename() != ".lock") fs::permissions(e.path(), fs::perms::others_read, fs::perm_options::add);
      }
      std::ofstream(done) << "ok\n";
    }
    ::flock(lock, LOCK_UN);
    ::close(lock);
    Certs r;
    r.dir = root.string();
    r.ca = file("ca.pem");
    r.ca_key = file("ca.key");
    r.server_cert = file("server.pem");
    r.server_key = file("server.key");
    r.wrong_name_cert = file("wrong.pem");
    r.wrong_name_key = file("wrong.key");
    r.client_cert = file("client.pem");
    r.client_key = file("client.key");
    r.other_ca = file("other-ca.pem");
    return r;
  }();
  return c;
}

std::vector<std::string> tlsListener(const std::string& cert, const std::string& key, bool require_client_cert) {
  std::vector<std::string> lines = {"cafile " + certs().ca, "certfile " + cert, "keyfile " + key};
  if (require_client_cert) lines.push_back("require_certificate true");
  return lines;
}

config::UplinkConfig testConfig(const std::string& url, const std::string& client_id) {
  config::UplinkConfig cfg;
  cfg.url = url;
  cfg.client_id = client_id;
  cfg.keepalive_s = 5;
  cfg.connect_timeout_s = 2;
  cfg.reconnect.initial_delay_ms = 100;
  cfg.reconnect.max_delay_ms = 400;
  cfg.reconnect.jitter = 0.0;
  cfg.reconnect.stable_after_ms = 0;
  cfg.shutdown_timeout_ms = 2000;
  return cfg;
}

StatusProvider statusProvider(const std::string& topic) {
  return [topic](bool online, std::string_view reason) {
    Message m;
    m.cls = MessageClass::kStatus;
    m.topic = topic;
    m.qos = 1;
    m.retain = true;
    m.payload = online ? std::string(R"({"online":true})")
                       : R"({"online":false,"reason":")" + std::string(reason) + "\"}";
    return std::vector<Message>{m};
  };
}

FakeServer::FakeServer(bool accept_and_close) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  int one = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 64) != 0) {
    throw std::runtime_error("FakeServer: bind/listen failed");
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  if (accept_and_close) {
    thread_ = std::thread([this] {
      while (!stop_) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        const int c = ::accept(fd_, nullptr, nullptr);
        if (c >= 0) {
          ++accepted_;
          ::close(c);
        }
      }
    });
  }
}

FakeServer::~FakeServer() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  ::close(fd_);
}

pid_t mosquittoPid(const std::string& dir) {
  const std::string needle = dir + "/mosquitto.conf";
  for (const auto& e : std::filesystem::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream in(e.path() / "cmdline", std::ios::binary);
    std::string cmd((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmd.starts_with("mosquitto") && cmd.find(needle) != std::string::npos) return std::stoi(name);
  }
  return -1;
}

std::chrono::milliseconds processCpu() {
  rusage ru{};
  ::getrusage(RUSAGE_SELF, &ru);
  const auto ms = [](const timeval& t) { return t.tv_sec * 1000L + t.tv_usec / 1000; };
  return std::chrono::milliseconds(ms(ru.ru_utime) + ms(ru.ru_stime));
}

}  // namespace tgw::test
