//! The memory bound of batched `infer` (issue 10, "Speed"): a batch of 1,000 image paths never
//! holds more than `max_concurrent_requests × max_batch_size` images in memory.
//!
//! A hand-rolled HTTP/1.1 server *holds* every inference request and answers only once
//! `max_concurrent_requests` of them are waiting (or all that remain): the client is then
//! stuck with as many images loaded as it may ever hold, and at that moment the test reads the
//! client's image gauge (`InferenceClient::unstable_images_in_memory`: an image counts from
//! when its call starts loading it until its answer is decoded). No sleeping, no timing: each
//! answer is released by the arrival of a request.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Condvar, Mutex};

use roboflow_infer::models::decode_base64;
use roboflow_infer::{ApiMode, Image, InferenceClient};
use serde_json::{Value, json};

/// What the holding server knows.
#[derive(Default)]
struct State {
    /// Inference requests waiting for their answer: `(index of their first image, arrival
    /// number)`.
    pending: Vec<(usize, u64)>,
    /// Arrival numbers released so far (their answers may be written).
    released: Vec<u64>,
    arrivals: u64,
    /// Images of the released requests.
    released_images: usize,
    /// Most inference requests waiting at once.
    max_pending: usize,
    /// `(images the client held, images in the waiting requests)` each time the client was
    /// stuck (every slot waiting).
    stuck: Vec<(usize, usize)>,
    /// Images in each waiting request, by arrival number.
    images_of: Vec<usize>,
}

struct Server {
    state: Mutex<State>,
    wake: Condvar,
    /// Requests at once the client may have (`max_concurrent_requests`).
    slots: usize,
    /// Images the whole call sends.
    total_images: usize,
    client: Mutex<Option<InferenceClient>>,
}

impl Server {
    fn start(slots: usize, total_images: usize) -> (Arc<Self>, String) {
        let server = Arc::new(Self {
            state: Mutex::new(State::default()),
            wake: Condvar::new(),
            slots,
            total_images,
            client: Mutex::new(None),
        });
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let accept = Arc::clone(&server);
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let server = Arc::clone(&accept);
                std::thread::spawn(move || {
                    let _ = server.connection(stream);
                });
            }
        });
        (server, url)
    }

    fn gauge(&self) -> usize {
        self.client
            .lock()
            .unwrap()
            .as_ref()
            .map_or(0, |c| c.unstable_images_in_memory().0)
    }

    /// Releases the waiting requests, first images first, while the client can make no progress: every slot
    /// waiting, or every image that remains. Called on each arrival, when every answer released
    /// before has been processed (a new request starts only once an answer is), so the gauge
    /// then counts exactly the images of the waiting requests.
    fn release(&self, state: &mut State) {
        let mut on_arrival = true;
        loop {
            let waiting_images: usize = state
                .pending
                .iter()
                .map(|&(_, n)| state.images_of[n as usize])
                .sum();
            let remaining = self.total_images - state.released_images;
            let stuck = state.pending.len() == self.slots || waiting_images == remaining;
            if !stuck || state.pending.is_empty() {
                return;
            }
            if on_arrival {
                state.stuck.push((self.gauge(), waiting_images));
                on_arrival = false;
            }
            // The first in input order: the client yields results in input order, so only
            // that answer frees a slot.
            let first = (0..state.pending.len())
                .min_by_key(|&i| state.pending[i].0)
                .unwrap_or_default();
            let (_, oldest) = state.pending.swap_remove(first);
            state.released_images += state.images_of[oldest as usize];
            state.released.push(oldest);
            self.wake.notify_all();
        }
    }

    fn connection(&self, stream: TcpStream) -> std::io::Result<()> {
        stream.set_nodelay(true)?;
        let mut writer = stream.try_clone()?;
        let mut reader = BufReader::new(stream);
        loop {
            let mut request_line = String::new();
            if reader.read_line(&mut request_line)? == 0 {
                return Ok(());
            }
            let mut length = 0;
            loop {
                let mut line = String::new();
                reader.read_line(&mut line)?;
                let line = line.trim_end();
                if line.is_empty() {
                    break;
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("content-length")
                {
                    length = value.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            reader.read_exact(&mut body)?;
            let answer = if request_line.contains("/model/registry") {
                json!({"models": [{"model_id": "proj/1", "task_type": "object-detection"}]})
            } else {
                let (indices, batched) = image_indices(&body);
                let arrival = {
                    let mut state = self.state.lock().unwrap();
                    let arrival = state.arrivals;
                    state.arrivals += 1;
                    state.images_of.push(indices.len());
                    state.pending.push((indices[0], arrival));
                    state.max_pending = state.max_pending.max(state.pending.len());
                    self.release(&mut state);
                    arrival
                };
                let mut state = self.state.lock().unwrap();
                while !state.released.contains(&arrival) {
                    state = self.wake.wait(state).unwrap();
                }
                drop(state);
                let answers: Vec<Value> = indices.iter().map(|i| detection(*i)).collect();
                if batched {
                    Value::Array(answers)
                } else {
                    answers[0].clone()
                }
            };
            let answer = serde_json::to_vec(&answer)?;
            // One write: headers and body apart would meet Nagle and delayed ACKs.
            let mut response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                answer.len()
            )
            .into_bytes();
            response.extend_from_slice(&answer);
            writer.write_all(&response)?;
        }
    }
}

/// The indices written in the images of a request (v0: the body is one image's base64; v1: a
/// JSON body with one image or a list), and whether it was a list.
fn image_indices(body: &[u8]) -> (Vec<usize>, bool) {
    let index = |b64: &str| {
        let bytes = decode_base64(b64).unwrap();
        let text = String::from_utf8_lossy(&bytes[4..]).into_owned();
        text.trim().parse::<usize>().unwrap()
    };
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => match &map["image"] {
            Value::Array(list) => (
                list.iter()
                    .map(|i| index(i["value"].as_str().unwrap()))
                    .collect(),
                true,
            ),
            one => (vec![index(one["value"].as_str().unwrap())], false),
        },
        _ => (vec![index(std::str::from_utf8(body).unwrap())], false),
    }
}

/// An object-detection answer that says which image it is about.
fn detection(index: usize) -> Value {
    json!({"image": {"width": 64, "height": 48}, "predictions": [], "inference_id": index.to_string()})
}

/// `count` tiny files, each a JPEG marker then its index.
fn image_files(count: usize) -> (tempfile::TempDir, Vec<std::path::PathBuf>) {
    let dir = tempfile::tempdir().unwrap();
    let paths = (0..count)
        .map(|i| {
            let path = dir.path().join(format!("{i}.jpg"));
            let mut bytes = vec![0xff, 0xd8, 0xff, 0xe0];
            bytes.extend_from_slice(i.to_string().as_bytes());
            std::fs::write(&path, bytes).unwrap();
            path
        })
        .collect();
    (dir, paths)
}

async fn run(mode: ApiMode, images: usize, concurrency: usize, batch: usize) {
    let (server, url) = Server::start(concurrency, images);
    let mut builder = InferenceClient::builder().api_url(url).mode(mode);
    if mode == ApiMode::V0 {
        builder = builder.api_key("k");
    }
    let client = builder.build().unwrap();
    *server.client.lock().unwrap() = Some(client.clone());
    let (_dir, paths) = image_files(images);
    let results = client
        .infer_many("proj/1", paths.iter().map(Image::from_path))
        .max_concurrent_requests(concurrency)
        .max_batch_size(batch)
        .send()
        .await
        .unwrap();

    // Every answer, in input order.
    assert_eq!(results.len(), images);
    for (i, result) in results.iter().enumerate() {
        let id = result
            .as_object_detection()
            .unwrap()
            .inference_id
            .as_deref();
        assert_eq!(id, Some(i.to_string().as_str()));
    }
    let bound = concurrency * batch;
    let state = server.state.lock().unwrap();
    assert_eq!(state.max_pending, concurrency, "requests in flight at once");
    // Whenever the client was stuck, it held exactly the images of its waiting requests, and
    // never more than the bound; once it was stuck with every slot full.
    assert!(!state.stuck.is_empty());
    for &(held, waiting) in &state.stuck {
        assert_eq!(held, waiting, "{:?}", state.stuck);
        assert!(held <= bound, "{held} images held, bound {bound}");
    }
    assert!(state.stuck.iter().any(|&(held, _)| held == bound));
    // And at no moment more than the bound (the gauge's high-water mark), none left over.
    assert_eq!(client.unstable_images_in_memory(), (0, bound));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v0_a_batch_of_1000_paths_holds_at_most_max_concurrent_requests_images() {
    run(ApiMode::V0, 1000, 8, 1).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn v1_holds_at_most_max_concurrent_requests_times_max_batch_size_images() {
    // 250 images in batches of 4 (the last one of 2), 3 requests at once: at most 12 images.
    run(ApiMode::V1, 250, 3, 4).await;
}
