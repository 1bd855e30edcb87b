# frozen_string_literal: true

require_relative "helper"
require "rbs"

# The installed gem: loaded from GEM_HOME, small, no build tree, complete RBS signatures.
class TestGem < Minitest::Test
  def gem_spec
    Gem.loaded_specs.fetch("iron_worker")
  end

  def test_loaded_from_the_installed_gem_not_the_source_tree
    features = $LOADED_FEATURES.grep(%r{/iron_worker(/|\.rb)})
    refute_empty features
    features.each do |feature|
      refute feature.start_with?(TestSupport::SOURCE_LIB), "#{feature} comes from the source tree"
    end
    assert(features.any? { |feature| feature.end_with?("iron_worker.so") })
    assert_equal IronWorker::VERSION, gem_spec.version.to_s
  end

  def test_installed_gem_is_small_and_has_no_build_tree
    dirs = [gem_spec.gem_dir, gem_spec.extension_dir]
    files = dirs.flat_map { |dir| Dir.glob("#{dir}/**/*", File::FNM_DOTMATCH) }
    refute(files.any? { |path| path.split("/").include?("target") }, "a cargo target dir was installed")
    size = files.select { |path| File.file?(path) }.sum { |path| File.size(path) }
    assert_operator size, :<, 20 * 1024 * 1024, "installed gem takes #{size} bytes"
  end

  def test_the_extension_is_installed_once
    dirs = [gem_spec.gem_dir, gem_spec.extension_dir]
    libraries = dirs.flat_map { |dir| Dir.glob("#{dir}/**/iron_worker.{so,bundle,dll}") }
    assert_equal 1, libraries.size, libraries.inspect
    assert_includes $LOADED_FEATURES, libraries.first
  end

  def test_works_from_a_clean_directory
    in_tmpdir do
      File.write("a.txt", "a")
      code = 'require "iron_worker"; p IronWorker.createZip("", ["a.txt"], "a.zip", true)'
      out, status = run_ruby("-e", code)
      assert status.success?, out
      assert_equal "true", out.strip
    end
  end

  def test_signatures_cover_every_public_method
    sig_dir = File.join(gem_spec.gem_dir, "sig")
    loader = RBS::EnvironmentLoader.new
    loader.add(path: Pathname(sig_dir))
    env = RBS::Environment.from_loader(loader).resolve_type_names
    builder = RBS::DefinitionBuilder.new(env: env)
    type_name = RBS::TypeName.new(name: :IronWorker, namespace: RBS::Namespace.root)

    declared = builder.build_instance(type_name).methods.keys
    defined = IronWorker.public_instance_methods(false) - [:initialize]
    assert_empty defined - declared, "instance methods without a signature"

    declared_singleton = builder.build_singleton(type_name).methods.keys
    defined_singleton = IronWorker.singleton_methods(false)
    assert_empty defined_singleton - declared_singleton, "class methods without a signature"

    error_classes = IronWorker.constants.map { |c| IronWorker.const_get(c) }
                              .select { |c| c.is_a?(Class) && c <= IronWorker::Error }
    error_classes.each do |klass|
      assert env.class_decls.key?(RBS::TypeName.new(name: klass.name.split("::").last.to_sym,
                                                    namespace: RBS::Namespace.parse("::IronWorker"))),
             "#{klass} has no signature"
    end
  end

  def test_every_tutorial_method_has_a_snake_case_alias
    camel = IronWorker.public_instance_methods(false).grep(/[a-z][A-Z]/)
    refute_empty camel
    camel.each do |name|
      snake = name.to_s.gsub(/([A-Z])/) { "_#{Regexp.last_match(1).downcase}" }
      assert IronWorker.method_defined?(snake), "#{name} has no alias #{snake}"
      assert_equal IronWorker.instance_method(name).owner, IronWorker.instance_method(snake).owner
    end
  end
end
