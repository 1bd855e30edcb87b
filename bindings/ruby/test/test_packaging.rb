# frozen_string_literal: true

require_relative "helper"
require "pathname"

# createZip / zipDirectory in both namings and both argument forms.
class TestPackaging < Minitest::Test
  def setup_files
    File.write("fibonacci.rb", "puts 1\n")
    FileUtils.mkdir_p("lib")
    File.write("lib/helper.rb", "# helper\n")
  end

  def test_create_zip_positional_as_in_the_tutorial
    in_tmpdir do
      setup_files
      assert_equal true, IronWorker.createZip("", ["fibonacci.rb"], "fibonacci.zip", true)
      assert_equal ["fibonacci.rb"], zip_entries("fibonacci.zip")
    end
  end

  def test_create_zip_keywords_snake_case_and_base_dir
    in_tmpdir do
      setup_files
      result = IronWorker.create_zip(base_dir: "app", files: ["fibonacci.rb", "lib/helper.rb"],
                                     destination: "out.zip", overwrite: true)
      assert_equal true, result
      assert_includes zip_entries("out.zip"), "app/fibonacci.rb"
      assert_includes zip_entries("out.zip"), "app/lib/helper.rb"
    end
  end

  def test_create_zip_mixed_forms_and_pathnames
    in_tmpdir do
      setup_files
      assert IronWorker.createZip("", [Pathname("fibonacci.rb")], destination: Pathname("p.zip"))
      assert_equal ["fibonacci.rb"], zip_entries("p.zip")
    end
  end

  def test_create_zip_without_overwrite_keeps_the_existing_file
    in_tmpdir do
      setup_files
      File.write("existing.zip", "not a zip")
      assert_equal false, IronWorker.createZip("", ["fibonacci.rb"], "existing.zip")
      assert_equal false, IronWorker.createZip("", ["fibonacci.rb"], "existing.zip", false)
      assert_equal "not a zip", File.read("existing.zip")
      assert_equal true, IronWorker.createZip("", ["fibonacci.rb"], "existing.zip", true)
      assert_equal ["fibonacci.rb"], zip_entries("existing.zip")
    end
  end

  def test_same_inputs_give_the_same_bytes
    in_tmpdir do
      setup_files
      IronWorker.createZip("", ["fibonacci.rb", "lib/helper.rb"], "a.zip", true)
      IronWorker.createZip("", ["lib/helper.rb", "fibonacci.rb"], "b.zip", true)
      assert_equal File.binread("a.zip"), File.binread("b.zip")
    end
  end

  def test_missing_file_is_a_missing_file_error_naming_it
    in_tmpdir do
      setup_files
      error = assert_raises(IronWorker::MissingFileError) do
        IronWorker.createZip("", ["fibonacci.rb", "nope.rb"], "out.zip", true)
      end
      assert_kind_of IronWorker::PackagingError, error
      assert_equal "nope.rb", error.path
      assert_includes error.message, "nope.rb"
      refute File.exist?("out.zip"), "no half-written zip"
    end
  end

  def test_zip_directory_entries_are_relative_to_it
    in_tmpdir do
      FileUtils.mkdir_p("worker/lib")
      File.write("worker/fibonacci.rb", "puts 1\n")
      File.write("worker/lib/helper.rb", "# helper\n")
      assert_equal true, IronWorker.zipDirectory("worker", "w.zip", true)
      entries = zip_entries("w.zip")
      assert_includes entries, "fibonacci.rb"
      assert_includes entries, "lib/helper.rb"

      assert_equal false, IronWorker.zip_directory(directory: "worker", destination: "w.zip")
      assert_equal true, IronWorker.zip_directory(directory: Pathname("worker"),
                                                  destination: "w.zip", overwrite: true)
    end
  end

  def test_zip_directory_missing_directory
    in_tmpdir do
      error = assert_raises(IronWorker::MissingFileError) { IronWorker.zipDirectory("nope", "x.zip") }
      assert_includes error.message, "nope"
    end
  end

  def test_class_methods_also_answer_on_instances
    in_tmpdir do
      setup_files
      assert worker.createZip("", ["fibonacci.rb"], "i.zip", true)
      assert worker.create_zip(base_dir: "", files: ["fibonacci.rb"], destination: "i.zip",
                               overwrite: true)
    end
  end

  def test_argument_errors
    in_tmpdir do
      setup_files
      error = assert_raises(TypeError) { IronWorker.createZip("", "fibonacci.rb", "x.zip") }
      assert_includes error.message, "files"
      error = assert_raises(TypeError) { IronWorker.createZip("", [1], "x.zip") }
      assert_includes error.message, "files[0]"
      error = assert_raises(TypeError) { IronWorker.createZip("", ["fibonacci.rb"], "x.zip", "yes") }
      assert_includes error.message, "overwrite"
      error = assert_raises(ArgumentError) { IronWorker.createZip("", ["fibonacci.rb"]) }
      assert_includes error.message, "destination"
      error = assert_raises(ArgumentError) do
        IronWorker.createZip("", ["fibonacci.rb"], "x.zip", destination: "y.zip")
      end
      assert_includes error.message, "destination"
      error = assert_raises(ArgumentError) { IronWorker.createZip("", [], "x.zip", true, 1) }
      assert_includes error.message, "wrong number of arguments"
      error = assert_raises(ArgumentError) { IronWorker.zipDirectory("d", "x.zip", overwite: true) }
      assert_includes error.message, "overwite"
    end
  end
end
