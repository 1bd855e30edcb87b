# frozen_string_literal: true

require_relative "helper"

# Ruby <-> JSON conversion, end to end through a real task (the echo worker prints the
# payload it received). This file also runs under GC.stress (IRON_WORKER_GC_STRESS=1).
class TestConversion < Minitest::Test
  def round_trip(payload)
    task_id = stressed { worker.postTask(echo_code, payload)["tasks"][0]["id"] }
    stressed { echoed(task_id)["payload"] }
  end

  def test_payload_types_round_trip
    payload = {
      :symbol_key => :symbol_value,
      "text" => "ünïcödé ✓ \u0000 \"quoted\"",
      "numbers" => [0, -1, 2.5, -0.125, 1e-7, 2**63 - 1, -(2**63), 2**64 - 1],
      "flags" => [true, false, nil],
      "nested" => { "deeper" => { list: [[], {}, [[1]]] } },
      "empty_string" => "",
    }
    expected = JSON.parse(JSON.generate(payload))
    assert_equal expected, round_trip(payload)
  end

  def test_top_level_payloads_of_every_json_type
    assert_equal [1, "two", nil], round_trip([1, "two", nil])
    assert_equal "just text", round_trip("just text")
    assert_equal 42, round_trip(42)
  end

  def test_large_payload
    payload = { "items" => Array.new(300) { |i| { "i" => i, "name" => "item #{i}" } } }
    assert_equal payload, round_trip(payload)
  end

  def test_results_are_hashes_with_string_keys
    task_id = post_echo({ "r" => 1 })
    details = stressed { worker.getTaskDetails(task_id) }
    assert_kind_of Hash, details
    assert(details.keys.all? { |key| key.is_a?(String) && key.encoding == Encoding::UTF_8 })
    assert_kind_of Integer, details["priority"]
    assert_equal task_id, details["id"]

    answer = stressed { worker.postTasks(echo_code, Array.new(20) { |i| { "i" => i } }) }
    assert_equal 20, answer["tasks"].length
    assert(answer["tasks"].all? { |task| task.is_a?(Hash) && task["id"].is_a?(String) })
    answer["tasks"].each { |task| worker.waitFor(task["id"]) }
  end

  def test_type_errors_name_the_argument_and_class
    error = assert_raises(TypeError) { stressed { worker.postTask(echo_code, { "a" => [1, Object.new] }) } }
    assert_includes error.message, 'postTask: payload["a"][1]'
    assert_includes error.message, "Object"

    error = assert_raises(TypeError) { worker.postTask(echo_code, { "when" => Time.now }) }
    assert_includes error.message, "Time"

    error = assert_raises(TypeError) { worker.postTask(echo_code, { 1 => "x" }) }
    assert_includes error.message, "Hash keys must be Strings or Symbols, not Integer"

    assert_raises(TypeError) { worker.postTask(echo_code, 1..2) }
    assert_raises(TypeError) { worker.getLog(nil) }
    assert_raises(TypeError) { worker.getLog(["id"]) }
  end

  def test_values_json_cannot_carry
    error = assert_raises(FloatDomainError) { worker.postTask(echo_code, { "x" => Float::NAN }) }
    assert_includes error.message, 'payload["x"]'
    assert_raises(FloatDomainError) { worker.postTask(echo_code, [Float::INFINITY]) }

    error = assert_raises(RangeError) { worker.postTask(echo_code, { "big" => 2**64 }) }
    assert_includes error.message, "64 bits"

    cyclic = []
    cyclic << cyclic
    error = assert_raises(ArgumentError) { worker.postTask(echo_code, cyclic) }
    assert_includes error.message, "nested more than"

    error = assert_raises(ArgumentError) { worker.postTask(echo_code, { "a" => 1, a: 2 }) }
    assert_includes error.message, "given twice"

    error = assert_raises(ArgumentError) { worker.postTask(echo_code, { "bin" => "\xff\xfe".b }) }
    assert_includes error.message, "UTF-8"
  end

  def test_strings_in_other_encodings_are_converted
    latin1 = "caf\xe9".dup.force_encoding(Encoding::ISO_8859_1)
    assert_equal({ "s" => "café" }, round_trip({ "s" => latin1 }))
  end

  def test_symbols_and_pathnames_as_arguments
    task_id = stressed { worker.postTask(echo_code.to_sym, { "s" => 1 })["tasks"][0]["id"] }
    assert_equal "complete", worker.waitFor(task_id.to_sym)["status"]
  end

  def test_error_attributes_are_converted
    missing = SecureRandom.hex(12)
    error = assert_raises(IronWorker::NotFoundError) { stressed { worker.getTaskDetails(missing) } }
    assert_equal 404, error.status
    assert_kind_of String, error.msg
    refute_empty error.msg

    in_tmpdir do
      error = assert_raises(IronWorker::MissingFileError) do
        stressed { IronWorker.createZip("", ["missing-#{missing}.rb"], "x.zip", true) }
      end
      assert_equal "missing-#{missing}.rb", error.path
    end
  end
end
