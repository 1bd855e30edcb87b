# frozen_string_literal: true

require_relative "helper"
require "pathname"

# IronWorker.new: a config file path, a Hash, keywords; errors for bad configuration.
class TestConfig < Minitest::Test
  def test_config_ini_path_as_in_the_tutorial
    in_tmpdir do
      TestSupport.write_config_ini("config.ini")
      client = IronWorker.new("config.ini")
      assert_equal TestSupport::PROJECT_ID, client.getProjectDetails["id"]
    end
  end

  def test_config_path_as_pathname
    in_tmpdir do
      TestSupport.write_config_ini("config.ini")
      client = IronWorker.new(Pathname.new("config.ini"))
      assert_kind_of Hash, client.get_project_details
    end
  end

  def test_keywords
    client = IronWorker.new(**TestSupport.options)
    assert_equal TestSupport::PROJECT_ID, client.getProjectDetails["id"]
  end

  def test_options_hash_positional_with_string_keys
    options = TestSupport.options.transform_keys(&:to_s)
    client = IronWorker.new(options)
    assert_equal TestSupport::PROJECT_ID, client.getProjectDetails["id"]
  end

  def test_keywords_beat_the_config_file
    in_tmpdir do
      TestSupport.write_config_ini("config.ini", token: "wrong-token")
      assert_raises(IronWorker::UnauthorizedError) { IronWorker.new("config.ini").getCodes }

      client = IronWorker.new("config.ini", token: TestSupport::TOKEN)
      assert_kind_of Array, client.getCodes
    end
  end

  def test_aliases_scheme_and_version_are_the_cores
    options = TestSupport.options
    options[:scheme] = options.delete(:protocol)
    client = IronWorker.new(**options, version: 2)
    assert_kind_of Hash, client.getProjectDetails
  end

  def test_missing_token_is_a_config_error
    in_tmpdir do
      File.write("config.ini", "[iron_worker]\nproject_id = #{TestSupport::PROJECT_ID}\n")
      env = { "HOME" => Dir.pwd }
      code = 'require "iron_worker"; IronWorker.new("config.ini")'
      out, status = run_ruby("-e", code, env: env.merge(clean_iron_env))
      refute status.success?
      assert_match(/IronWorker::ConfigError/, out)
      assert_match(/token/, out)
    end
  end

  def test_missing_config_file_is_a_config_error_naming_it
    error = assert_raises(IronWorker::ConfigError) { IronWorker.new("no-such-config.ini") }
    assert_includes error.message, "no-such-config.ini"
    assert_kind_of IronWorker::Error, error
  end

  def test_malformed_port_is_a_config_error
    error = assert_raises(IronWorker::Error) { IronWorker.new(**TestSupport.options(port: "http")) }
    assert_includes error.message, "port"
  end

  def test_unknown_option_is_named
    error = assert_raises(IronWorker::Error) { IronWorker.new(**TestSupport.options, tokne: "x") }
    assert_includes error.message, "tokne"
  end

  def test_wrong_config_type_is_a_type_error
    error = assert_raises(TypeError) { IronWorker.new(42) }
    assert_includes error.message, "Integer"
    assert_raises(TypeError) { IronWorker.new(**TestSupport.options(token: Object.new)) }
  end

  def test_option_in_hash_and_keyword_is_an_argument_error
    error = assert_raises(ArgumentError) do
      IronWorker.new({ "token" => "a" }, token: "b", project_id: TestSupport::PROJECT_ID)
    end
    assert_includes error.message, "token"
  end

  def test_too_many_arguments
    assert_raises(ArgumentError) { IronWorker.new("a.ini", "b.ini") }
  end

  def test_inspect_never_shows_the_token
    client = IronWorker.new(**TestSupport.options)
    refute_includes client.inspect, TestSupport::TOKEN
    assert_includes client.inspect, TestSupport::PROJECT_ID
  end

  def test_subclass_dup_and_uninitialized_objects
    subclass = Class.new(IronWorker) do
      def initialize(**options)
        super(**options)
        @extra = true
      end
    end
    client = subclass.new(**TestSupport.options)
    assert_kind_of Hash, client.getProjectDetails
    assert_kind_of Hash, client.dup.getProjectDetails

    error = assert_raises(IronWorker::Error) { IronWorker.allocate.getProjectDetails }
    assert_includes error.message, "initialize"
    assert_raises(IronWorker::Error) { client.send(:initialize, **TestSupport.options) }
  end

  private

  def clean_iron_env
    ENV.keys.grep(/\AIRON_/).to_h { |key| [key, nil] }
  end
end
