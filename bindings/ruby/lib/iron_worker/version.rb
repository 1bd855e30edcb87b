# frozen_string_literal: true

class IronWorker
  # The version of this gem (the Rust core's version is {IronWorker::CORE_VERSION}).
  VERSION = "0.1.0"
end
