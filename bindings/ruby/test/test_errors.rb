# frozen_string_literal: true

require_relative "helper"
require "socket"

# Error classes: 401, 404, 503, connection failures, timeouts; the token never shows.
class TestErrors < Minitest::Test
  # A tiny in-process HTTP server answering every request with `status`. It is a Ruby
  # thread, so it only answers if the extension releases the GVL during the call.
  def with_fake_server(status:, body:, hang: false)
    server = TCPServer.new("127.0.0.1", 0)
    port = server.addr[1]
    clients = []
    thread = Thread.new do
      loop do
        client = server.accept
        clients << client
        next if hang

        read_request(client)
        client.write("HTTP/1.1 #{status} Fake\r\nContent-Type: application/json\r\n" \
                     "Content-Length: #{body.bytesize}\r\nConnection: close\r\n\r\n#{body}")
        client.close
      end
    rescue IOError, Errno::EBADF
      nil
    end
    yield port
  ensure
    server&.close
    clients&.each { |client| client.close unless client.closed? }
    thread&.kill
    thread&.join
  end

  def read_request(client)
    length = 0
    while (line = client.gets) && line != "\r\n"
      length = line.split(":", 2)[1].to_i if line.downcase.start_with?("content-length:")
    end
    client.read(length) if length.positive?
  end

  def test_wrong_token_is_unauthorized
    bad = IronWorker.new(**TestSupport.options(token: "not-the-token"))
    error = assert_raises(IronWorker::UnauthorizedError) { bad.getProjectDetails }
    assert_equal 401, error.status
    assert_kind_of String, error.msg
    assert_kind_of IronWorker::HTTPError, error
    assert_kind_of IronWorker::Error, error
    assert_kind_of StandardError, error
    refute_includes error.message, "not-the-token"
    refute_includes error.full_message, "not-the-token"
  end

  def test_unknown_ids_are_not_found
    error = assert_raises(IronWorker::NotFoundError) { worker.getTaskDetails(SecureRandom.hex(12)) }
    assert_equal 404, error.status
    refute_includes error.message, TestSupport::TOKEN
    assert_raises(IronWorker::NotFoundError) { worker.getCodeDetails(SecureRandom.hex(12)) }
  end

  def test_503_is_service_unavailable
    with_fake_server(status: 503, body: '{"msg":"busy, come back later"}') do |port|
      client = IronWorker.new(**TestSupport.options(port: port, max_retries: 0))
      error = assert_raises(IronWorker::ServiceUnavailableError) { client.getProjectDetails }
      assert_equal 503, error.status
      assert_equal "busy, come back later", error.msg
      assert_includes error.message, "busy, come back later"
      refute_includes error.message, TestSupport::TOKEN
    end
  end

  def test_other_statuses_are_http_errors
    with_fake_server(status: 418, body: '{"msg":"teapot"}') do |port|
      client = IronWorker.new(**TestSupport.options(port: port, max_retries: 0))
      error = assert_raises(IronWorker::HTTPError) { client.postTask("x", { "a" => 1 }) }
      assert_equal IronWorker::HTTPError, error.class
      assert_equal 418, error.status
      assert_equal "teapot", error.msg
    end
  end

  def test_nothing_listening_is_a_network_error
    port = TCPServer.open("127.0.0.1", 0) { |s| s.addr[1] }
    client = IronWorker.new(**TestSupport.options(port: port, max_retries: 0))
    error = assert_raises(IronWorker::NetworkError) { client.getProjectDetails }
    refute_includes error.message, TestSupport::TOKEN
  end

  def test_silent_server_is_a_timeout
    with_fake_server(status: 200, body: "", hang: true) do |port|
      client = IronWorker.new(**TestSupport.options(port: port, max_retries: 0, timeout: 1))
      error = assert_raises(IronWorker::TimeoutError) { client.getProjectDetails }
      assert_kind_of IronWorker::Error, error
    end
  end

  def test_hierarchy_matches_the_api
    expected = {
      IronWorker::Error => StandardError,
      IronWorker::ConfigError => IronWorker::Error,
      IronWorker::PackagingError => IronWorker::Error,
      IronWorker::MissingFileError => IronWorker::PackagingError,
      IronWorker::HTTPError => IronWorker::Error,
      IronWorker::UnauthorizedError => IronWorker::HTTPError,
      IronWorker::NotFoundError => IronWorker::HTTPError,
      IronWorker::ServiceUnavailableError => IronWorker::HTTPError,
      IronWorker::TimeoutError => IronWorker::Error,
      IronWorker::NetworkError => IronWorker::Error,
      IronWorker::InvalidArgumentError => IronWorker::Error,
    }
    expected.each { |klass, parent| assert_equal parent, klass.superclass, klass.name }
  end

  def test_invalid_option_value_is_an_invalid_argument_error
    error = assert_raises(IronWorker::InvalidArgumentError) { worker.postTask(echo_code, nil, priority: 9) }
    assert_includes error.message, "priority"
  end

  def test_errors_can_be_built_from_ruby
    error = IronWorker::HTTPError.new("boom", status: 500, msg: "server said")
    assert_equal [500, "server said", "boom"], [error.status, error.msg, error.message]
    assert_equal "a.rb", IronWorker::MissingFileError.new("gone", path: "a.rb").path
  end
end
