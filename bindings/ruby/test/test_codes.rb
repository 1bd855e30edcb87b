# frozen_string_literal: true

require_relative "helper"

# Code packages: postCode, upload, listing, details, revisions, download, queue control.
class TestCodes < Minitest::Test
  def make_zip(name = "hello.rb")
    File.write(name, "puts 'hello'\n")
    IronWorker.createZip("", [name], "hello.zip", true)
    "hello.zip"
  end

  def code_name
    "rb-code-#{SecureRandom.hex(4)}"
  end

  def test_post_code_positional_keyword_and_snake_case
    in_tmpdir do
      zip = make_zip
      first = worker.postCode("hello.rb", zip, code_name)
      assert_equal "Upload successful.", first["msg"]
      assert_match(/\A\h{24}\z/, first["id"])

      second = worker.postCode(runFilename: "hello.rb", zipFilename: zip, name: code_name)
      assert_kind_of String, second["id"]

      third = worker.post_code("hello.rb", zip, code_name, max_concurrency: 2, retries: 1,
                               env_vars: { "GREETING" => "hi" }, config: { "a" => 1 })
      details = worker.getCodeDetails(third["id"])
      assert_equal 2, details["max_concurrency"]
    end
  end

  def test_post_code_errors
    in_tmpdir do
      zip = make_zip
      error = assert_raises(IronWorker::MissingFileError) { worker.postCode("a.rb", "missing.zip", "x") }
      assert_includes error.message, "missing.zip"
      error = assert_raises(IronWorker::Error) { worker.postCode("hello.rb", zip, code_name, retires: 1) }
      assert_includes error.message, "retires"
      error = assert_raises(ArgumentError) { worker.postCode("hello.rb", zip) }
      assert_includes error.message, "name"
    end
  end

  def test_upload_lists_details_revisions_download_and_delete
    name = code_name
    in_tmpdir do
      FileUtils.mkdir_p("w")
      File.write("w/hello.rb", "puts 'hello'\n")
      uploaded = worker.upload("w", "hello.rb", name)
      code_id = uploaded["id"]
      worker.upload(directory: "w", runFilename: "hello.rb", name: name)

      codes = worker.getCodes
      assert_kind_of Array, codes
      assert(codes.any? { |code| code["name"] == name })
      assert_kind_of Array, worker.get_codes(0, 100)
      assert_kind_of Array, worker.getCodes(page: 0, per_page: 10)

      details = worker.get_code_details(code_id: code_id)
      assert_equal name, details["name"]
      assert(details.keys.all?(String))

      revisions = worker.getCodeRevisions(code_id)
      assert_operator revisions.length, :>=, 2
      assert_kind_of Array, worker.get_code_revisions(code_id, per_page: 1)

      bytes = worker.downloadCode(code_id)
      assert_equal Encoding::BINARY, bytes.encoding
      assert bytes.start_with?("PK".b)
      first_revision = worker.download_code(code_id: code_id, revision: 1)
      assert first_revision.start_with?("PK".b)

      path = worker.downloadCode(code_id, nil, "copy.zip")
      assert_equal "copy.zip", path
      assert_includes zip_entries("copy.zip"), "hello.rb"
      assert_equal "copy.zip", worker.download_code(code_id: code_id, destination: "copy.zip")

      assert_kind_of Hash, worker.pauseTaskQueue(code_id)
      assert_kind_of Hash, worker.resume_task_queue(code_id: code_id)
      assert_kind_of Hash, worker.cancelAllTasks(code_id)

      assert_kind_of Hash, worker.deleteCode(code_id)
      assert_raises(IronWorker::NotFoundError) { worker.delete_code(code_id) }
      assert_raises(IronWorker::NotFoundError) { worker.getCodeDetails(code_id) }
    end
  end

  def test_download_revision_out_of_range
    error = assert_raises(RangeError) { worker.downloadCode("abc", -1) }
    assert_includes error.message, "revision"
    assert_raises(TypeError) { worker.downloadCode("abc", "1") }
  end
end
